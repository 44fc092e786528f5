using System.Globalization;
using System.Text.Json;

namespace Lethe.Testing;

/// <summary>
/// Debian's <c>prometheus</c> on a loopback port with a throw-away TSDB, scraping its targets every second as one job
/// (scripts/install-deps.sh installs it).
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lethe-prometheus-");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ChildProcess _process;

    private PrometheusServer(string job, IReadOnlyList<string> targets)
    {
        Port = FreePort.Next();
        var config = Path.Combine(_folder.FullName, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {job}
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """);
        _process = new ChildProcess("prometheus",
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(_folder.FullName, "data")}",
            $"--web.listen-address=127.0.0.1:{Port}",
        ]);
    }

    public int Port { get; }

    /// <param name="job">The <c>job</c> label of every scraped series.</param>
    /// <param name="targets"><c>host:port</c> of each silo (<see cref="SiloProcess.HttpEndpoint"/>).</param>
    public static async Task<PrometheusServer> Start(string job, params string[] targets)
    {
        var server = new PrometheusServer(job, targets);
        try
        {
            await server._process.WaitUntilReady(() => ChildProcess.AnswersOk(server._http, $"http://127.0.0.1:{server.Port}/-/ready"), TimeSpan.FromSeconds(30));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// An instant query through <c>/api/v1/query</c>: one entry per series (a scalar result is one entry without
    /// labels). A query Prometheus rejects throws with its error message.
    /// </summary>
    public async Task<IReadOnlyList<PrometheusSample>> Query(string expression)
    {
        using var response = await _http.GetAsync($"http://127.0.0.1:{Port}/api/v1/query?query={Uri.EscapeDataString(expression)}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus rejected '{expression}': {root.GetProperty("error").GetString()}");
        }

        var data = root.GetProperty("data");
        var result = data.GetProperty("result");
        return data.GetProperty("resultType").GetString() switch
        {
            "vector" => result.EnumerateArray().Select(series => new PrometheusSample(
                series.GetProperty("metric").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString() ?? ""),
                Value(series.GetProperty("value")))).ToArray(),
            "scalar" => [new PrometheusSample(new Dictionary<string, string>(), Value(result))],
            var other => throw new InvalidOperationException($"Unexpected result type {other} for an instant query '{expression}'."),
        };
    }

    /// <summary>
    /// Waits until <paramref name="expression"/> returns a series: a workload calls it between two observations of a
    /// histogram, so a rate over the window sees them in different scrapes (one scrape holding both gives a zero rate,
    /// and a quantile over a zero rate is NaN).
    /// </summary>
    public Task WaitUntilScraped(string expression, TimeSpan timeout) =>
        Poll.Until(async () => (await Query(expression)).Count > 0,
            timeout, TimeSpan.FromMilliseconds(250), () => $"Prometheus never returned a series for {expression}");

    public ValueTask DisposeAsync()
    {
        _process.Dispose();
        _http.Dispose();
        _folder.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }

    // Prometheus writes special values as NaN, +Inf and -Inf.
    private static double Value(JsonElement pair) => pair[1].GetString() switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        var text => double.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
