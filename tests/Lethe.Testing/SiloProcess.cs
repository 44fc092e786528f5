using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lethe.Testing;

/// <summary>
/// The built <c>lethe-silo</c> (silo/Program.cs, exactly as deployed) in its own process, configured only through
/// environment variables, on free loopback ports, with a temporary folder of its own. The test project references
/// silo/Lethe.Silo.csproj so that <c>lethe-silo.dll</c> is built next to the tests.
/// </summary>
/// <remarks>
/// One silo of a Redis cluster is <c>new SiloProcess(name, environment)</c>; <see cref="Local"/> gives the Local
/// profile (in-memory state, artifacts in <see cref="ArtifactsPath"/>). <see cref="Start"/> can be called again after
/// <see cref="Kill"/>: the silo comes back on the same ports, as a restarted pod would. A connection the killed silo
/// held open to another client (a Prometheus scrape, a client's HTTP keep-alive) leaves that port in TIME_WAIT for up
/// to a minute, during which the restart fails to bind and says so; this class's own probes never hold one.
/// </remarks>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lethe-silo-");
    private readonly Dictionary<string, string> _environment;
    // Each probe closes its connection from this side: a connection the silo closes (as it does when killed) leaves
    // its HTTP port in TIME_WAIT, and a restart on the same port would fail to bind for a minute.
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(2) };
    private ChildProcess? _process;

    /// <param name="name">The silo's name (<c>POD_NAME</c>: the Orleans silo name and the telemetry instance).</param>
    /// <param name="environment">
    /// Configuration as environment variables (<c>Lethe__...</c>, <c>Orleans__...</c>). The ports and the name are
    /// always this object's; hypernetwork scratch defaults to this silo's folder and logging to warnings.
    /// </param>
    public SiloProcess(string name, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        SiloPort = FreePort.Next();
        GatewayPort = FreePort.Next();
        HttpPort = FreePort.Next();
        _environment = new Dictionary<string, string>
        {
            // Scratch of hypernetwork trainings inside the test's folder, not the machine-wide default under /tmp.
            ["Lethe__Hypernet__WorkPath"] = Path.Combine(_folder.FullName, "hypernet"),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in environment)
        {
            _environment[key] = value;
        }

        _environment["ASPNETCORE_URLS"] = $"http://{HttpEndpoint}";
        _environment["Lethe__SiloPort"] = SiloPort.ToString();
        _environment["Lethe__GatewayPort"] = GatewayPort.ToString();
        _environment["POD_NAME"] = name;
    }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    /// <summary><c>127.0.0.1:port</c> of the REST API, <c>/metrics</c> and <c>/health</c>: what Prometheus scrapes.</summary>
    public string HttpEndpoint => $"127.0.0.1:{HttpPort}";

    /// <summary><c>http://127.0.0.1:port</c>, the base address of the REST API.</summary>
    public string BaseAddress => $"http://{HttpEndpoint}";

    /// <summary>The Local profile's artifact store (see <see cref="Local"/>).</summary>
    public string ArtifactsPath => Path.Combine(_folder.FullName, "artifacts");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>
    /// A silo in the Local profile (localhost clustering; grain state, reminders and artifacts in its own platform
    /// folder, artifacts in <see cref="ArtifactsPath"/>); <paramref name="environment"/> adds or overrides settings.
    /// </summary>
    public static SiloProcess Local(string name, IReadOnlyDictionary<string, string>? environment = null)
    {
        var silo = new SiloProcess(name, environment ?? new Dictionary<string, string>());
        silo._environment.TryAdd("Lethe__Profile", "Local");
        silo._environment.TryAdd("Lethe__Home", Path.Combine(silo._folder.FullName, "home"));
        silo._environment.TryAdd("Lethe__Artifacts__Kind", "local");
        silo._environment.TryAdd("Lethe__Artifacts__LocalPath", silo.ArtifactsPath);
        return silo;
    }

    /// <summary>Starts the process and returns at once; <see cref="WaitUntilReady"/> waits for it.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Silo {Name} is already running.");
        }

        _process?.Dispose();
        _process = new ChildProcess("dotnet", [Executable()], _environment);
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200 (the silo joined its cluster and serves grains).</summary>
    public Task WaitUntilReady(TimeSpan timeout) =>
        (_process ?? throw new InvalidOperationException($"Silo {Name} was never started."))
        .WaitUntilReady(() => ChildProcess.AnswersOk(_http, $"{BaseAddress}/health/ready"), timeout);

    /// <summary>An Orleans client on this silo's gateway (Local profile); dispose the host to disconnect.</summary>
    public async Task<IHost> ConnectClient()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A Local silo names its cluster (LocalPlatformFolder.ClusterId); a client must present the same id.
        builder.UseOrleansClient(client => client.UseLocalhostClustering(GatewayPort, serviceId: "lethe-local", clusterId: "lethe-local"));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>SIGKILL: no shutdown hooks, no handover.</summary>
    public void Kill() => (_process ?? throw new InvalidOperationException($"Silo {Name} was never started.")).Kill();

    /// <summary>The last lines the silo printed since it was last started.</summary>
    public string Tail() => _process?.Tail() ?? "";

    public ValueTask DisposeAsync()
    {
        _process?.Dispose();
        _http.Dispose();
        _folder.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }

    private static string Executable()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "lethe-silo.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The silo is not built at {path}; the test project must reference silo/Lethe.Silo.csproj.");
    }
}
