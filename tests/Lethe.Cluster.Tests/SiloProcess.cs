using System.Diagnostics;

namespace Lethe.Cluster.Tests;

/// <summary>One built <c>lethe-silo</c> in its own process, configured only through environment variables.</summary>
public sealed class SiloProcess : IDisposable
{
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _log;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _process;

    public SiloProcess(string name, IReadOnlyDictionary<string, string> environment, string logFolder)
    {
        Name = name;
        SiloPort = ClusterPorts.Free();
        GatewayPort = ClusterPorts.Free();
        HttpPort = ClusterPorts.Free();
        _environment = environment;
        _log = Path.Combine(logFolder, $"{name}.log");
    }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The silo's build output, next to this test's (same configuration).</summary>
    public static string Executable()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var path = Path.Combine(Lethe.Grains.Tests.AzuriteServer.RepositoryRoot(), "silo", "bin", configuration, "net10.0", "lethe-silo.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The silo is not built at {path}.");
    }

    public void Start()
    {
        var start = new ProcessStartInfo("dotnet", [Executable()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{HttpPort}";
        start.Environment["Lethe__SiloPort"] = SiloPort.ToString();
        start.Environment["Lethe__GatewayPort"] = GatewayPort.ToString();
        start.Environment["POD_NAME"] = Name;
        var log = new StreamWriter(_log, append: true) { AutoFlush = true };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Write(log, e.Data);
        _process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public async Task WaitUntilReady(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (!IsRunning)
            {
                throw new InvalidOperationException($"Silo {Name} exited with {_process?.ExitCode}; see {_log}.");
            }

            try
            {
                if ((await _http.GetAsync($"http://127.0.0.1:{HttpPort}/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Silo {Name} not ready after {timeout}; see {_log}.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no handover.</summary>
    public void Kill()
    {
        _process!.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (IsRunning)
        {
            _process!.Kill();
            _process.WaitForExit(5_000);
        }

        _process?.Dispose();
        _http.Dispose();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }
}
