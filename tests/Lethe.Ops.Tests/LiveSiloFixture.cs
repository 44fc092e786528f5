using Lethe.Contracts.Collection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lethe.Ops.Tests;

/// <summary>
/// A <c>lethe-silo</c> process, a Prometheus scraping it every second, and work for every dashboard row run on the silo
/// after Prometheus started, so the scrapes cover it: a collection job, a tiny hypernetwork trained on that job and
/// sampled, and unlearning requests through the REST API (one refused for its key, one over the tenant's quota).
/// </summary>
public sealed class LiveSiloFixture : IAsyncLifetime
{
    public const string Job = "lethe-silo";

    private static readonly TimeSpan WorkTimeout = TimeSpan.FromMinutes(4);

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public SiloProcess Silo { get; private set; } = null!;

    public PrometheusServer Prometheus { get; private set; } = null!;

    public JobProgress Collection { get; private set; } = null!;

    public HypernetWorkloadResult Hypernet { get; private set; } = null!;

    public UnlearningWorkloadResult Unlearning { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = SiloProcess.Local("ops-silo", new Dictionary<string, string>
        {
            // Two step batches per training, so the step counter and progress gauges move during the run.
            ["Lethe__Hypernet__StepsPerBatch"] = HypernetWorkload.StepsPerBatch.ToString(),
        });
        Silo.Start();
        await Silo.WaitUntilReady(TimeSpan.FromSeconds(60));
        Prometheus = await PrometheusServer.Start(Job, Silo.HttpEndpoint);
        await Prometheus.WaitUntilScraped($"up{{job=\"{Job}\"}} == 1", TimeSpan.FromSeconds(30));

        using var host = await Silo.ConnectClient();
        try
        {
            var client = host.Services.GetRequiredService<IClusterClient>();
            Collection = await CollectionWorkload.Run(client, WorkTimeout);
            // Both go through the silo's compute executor; overlapping them keeps the fixture short on two cores.
            var hypernet = HypernetWorkload.Run(client, Prometheus, Job, CollectionWorkload.Spec.Id, WorkTimeout);
            var unlearning = UnlearningWorkload.Run(client, Http, Silo.BaseAddress, Prometheus, Job, WorkTimeout);
            Hypernet = await hypernet;
            Unlearning = await unlearning;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>What Prometheus scrapes: the exporter's plain-text format (promtool cannot parse its OpenMetrics variant).</summary>
    public async Task<string> ScrapeText()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Silo.BaseAddress}/metrics");
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
