namespace Lethe.Ops.Tests;

/// <summary>
/// The built <c>lethe-silo</c> (silo/Program.cs, exactly as deployed) in the Local profile on loopback ports, with its
/// artifacts and hypernetwork scratch in a temporary folder.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lethe-ops-silo-");
    private readonly ChildProcess _process;

    private SiloProcess()
    {
        HttpPort = FreePort.Next();
        GatewayPort = FreePort.Next();
        var silo = Path.Combine(AppContext.BaseDirectory, "lethe-silo.dll");
        _process = new ChildProcess("dotnet", [silo], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{HttpPort}",
            ["Lethe__Profile"] = "Local",
            ["Lethe__SiloPort"] = FreePort.Next().ToString(),
            ["Lethe__GatewayPort"] = GatewayPort.ToString(),
            ["Lethe__Artifacts__Kind"] = "local",
            ["Lethe__Artifacts__LocalPath"] = Path.Combine(_folder.FullName, "artifacts"),
            // Scratch of hypernetwork trainings inside the test's folder, not the machine-wide default under /tmp.
            ["Lethe__Hypernet__WorkPath"] = Path.Combine(_folder.FullName, "hypernet"),
            // Two step batches per training, so the step counter and progress gauges move during the run.
            ["Lethe__Hypernet__StepsPerBatch"] = HypernetWorkload.StepsPerBatch.ToString(),
            ["Logging__LogLevel__Default"] = "Warning",
        });
    }

    public int HttpPort { get; }

    public int GatewayPort { get; }

    public string MetricsTarget => $"127.0.0.1:{HttpPort}";

    public static async Task<SiloProcess> Start(HttpClient http)
    {
        var silo = new SiloProcess();
        try
        {
            await Poll.Until(async () =>
            {
                if (silo._process.HasExited)
                {
                    throw new InvalidOperationException($"lethe-silo exited during start-up:{Environment.NewLine}{silo.Tail()}");
                }

                try
                {
                    using var response = await http.GetAsync($"http://{silo.MetricsTarget}/health/ready");
                    return response.IsSuccessStatusCode ? "ready" : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200), () => $"lethe-silo never became ready:{Environment.NewLine}{silo.Tail()}");
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    public string Tail() => _process.Tail();

    public ValueTask DisposeAsync()
    {
        _process.Dispose();
        _folder.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
