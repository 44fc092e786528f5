using System.Diagnostics;
using System.Text;

namespace Lethe.Client.Commands;

/// <summary>
/// One phase of a benchmark in a <c>lethe</c> child process of its own, with its wall time and peak memory read from
/// <c>/proc/PID/status</c> every 100 ms: <c>VmHWM</c> (peak resident set), and the peaks of anonymous memory (heap and
/// native allocations: what the process really needs) and of file-backed memory (mapped files, e.g. shard pages, which
/// the kernel can reclaim) reported apart.
/// </summary>
public sealed record ChildMeasurement(int ExitCode, double Seconds, string Output, string Error, long PeakRssBytes, long PeakAnonBytes, long PeakFileBytes)
{
    /// <summary>Runs <c>lethe ARGS</c> (this build) with <paramref name="environment"/> added, until it exits.</summary>
    public static async Task<ChildMeasurement> Run(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildMeasurement).Assembly.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start lethe {string.Join(' ', args)}.");
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (error) { error.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long hwm = 0, anon = 0, file = 0;
        using var stop = ct.Register(() =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        });
        while (!process.HasExited)
        {
            if (MemoryOf(process.Id) is { } status)
            {
                hwm = Math.Max(hwm, status.Hwm);
                anon = Math.Max(anon, status.Anon);
                file = Math.Max(file, status.File);
            }

            await Task.WhenAny(process.WaitForExitAsync(CancellationToken.None), Task.Delay(100, CancellationToken.None));
        }

        await process.WaitForExitAsync(CancellationToken.None);
        ct.ThrowIfCancellationRequested();
        return new ChildMeasurement(process.ExitCode, watch.Elapsed.TotalSeconds, output.ToString(), error.ToString(), hwm, anon, file);
    }

    /// <summary>Throws with the child's error output unless it exited with 0.</summary>
    public ChildMeasurement Succeeded(string what) => ExitCode == 0 ? this
        : throw new InvalidOperationException($"{what} failed (exit {ExitCode}): {Error.Trim()} {string.Join(' ', Output.Trim().Split('\n').TakeLast(3))}");

    /// <summary>Peak resident set (VmHWM) and current anonymous and file-backed resident memory of a process, or null when it is gone.</summary>
    public static (long Hwm, long Anon, long File)? MemoryOf(int pid)
    {
        try
        {
            long Kb(string[] lines, string key) =>
                lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal)) is { } line
                    ? long.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024
                    : 0;
            var lines = File.ReadAllLines($"/proc/{pid}/status");
            return (Kb(lines, "VmHWM:"), Kb(lines, "RssAnon:"), Kb(lines, "RssFile:"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
