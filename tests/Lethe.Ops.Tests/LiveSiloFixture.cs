using Lethe.Contracts.Collection;

namespace Lethe.Ops.Tests;

/// <summary>
/// A <c>lethe-silo</c> process, a Prometheus scraping it every second, and a collection job run on the silo to its end
/// (started after Prometheus, so the scrapes cover the whole job).
/// </summary>
public sealed class LiveSiloFixture : IAsyncLifetime
{
    public const string Job = "lethe-silo";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public SiloProcess Silo { get; private set; } = null!;

    public PrometheusServer Prometheus { get; private set; } = null!;

    public JobProgress Collection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = await SiloProcess.Start(Http);
        Prometheus = await PrometheusServer.Start(Http, Job, Silo.MetricsTarget);
        await Poll.Until(async () => (await Prometheus.Query($"up{{job=\"{Job}\"}} == 1")).Count == 1 ? "up" : null,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250), () => "Prometheus never scraped the silo successfully");
        Collection = await CollectionWorkload.Run(Silo.GatewayPort, TimeSpan.FromMinutes(4));
    }

    /// <summary>What Prometheus scrapes: the exporter's plain-text format (promtool cannot parse its OpenMetrics variant).</summary>
    public async Task<string> ScrapeText()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{Silo.MetricsTarget}/metrics");
        request.Headers.Accept.ParseAdd("text/plain; version=0.0.4");
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        Http.Dispose();
    }
}
