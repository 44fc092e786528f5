using Lethe.Grains.Telemetry;
using Lethe.Silo.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lethe.Ops.Tests;

/// <summary>
/// The dashboard's queries for rows whose producers are not in the repository yet, against the silo's telemetry
/// wiring with one measurement per Lethe instrument, labelled as <see cref="LetheMetrics"/> documents. This pins the
/// exported names and label keys; it does not replace a silo doing that work (see <see cref="LiveDashboardTests"/>).
/// </summary>
public sealed class LetheMeterContractTests
{
    private const string Job = "lethe-contract";

    [Fact]
    public async Task Panels_awaiting_producers_query_names_and_labels_the_Lethe_meter_exports()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<LetheMetrics>();
        builder.AddLetheTelemetry();
        await using var app = builder.Build();
        app.MapLetheTelemetry();
        await app.StartAsync();
        Record(app.Services.GetRequiredService<LetheMetrics>());
        using var http = new HttpClient();
        await using var prometheus = await PrometheusServer.Start(http, Job, $"127.0.0.1:{port}");
        var pending = GrafanaDashboard.Load(RepositoryPaths.Dashboard).Panels
            .Where(p => LiveDashboardTests.RowsAwaitingProducers.ContainsKey(p.Row)).ToArray();
        Assert.NotEmpty(pending);

        var missing = await PanelQueryCheck.QueriesWithoutData(prometheus, pending, Job, TimeSpan.FromSeconds(30));

        Assert.True(missing.Count == 0, $"{missing.Count} queries match nothing the Lethe meter exports:{Environment.NewLine}{string.Join(Environment.NewLine, missing)}");
        await app.StopAsync();
    }

    /// <summary>Measurements spread over a few seconds, so rates and quantiles over the window have two samples.</summary>
    private static void Record(LetheMetrics metrics)
    {
        var variant = new KeyValuePair<string, object?>("variant", "dihyfo2");
        metrics.HypernetTrainSteps.Add(10, variant);
        metrics.SetHypernetProgress("dihyfo2", loss: 0.25, samplesPerSecond: 400);
        metrics.SamplerLatency.Record(0.2, variant);
        metrics.UnlearningRequests.Add(1, new("method", "dihyfo2"), new("outcome", "succeeded"));
        metrics.UnlearningDuration.Record(3.5, new KeyValuePair<string, object?>("method", "dihyfo2"));
        metrics.TenantRejections.Add(1, new KeyValuePair<string, object?>("reason", "quota"));
        _ = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await Task.Delay(500);
                metrics.HypernetTrainSteps.Add(10, variant);
                metrics.SamplerLatency.Record(0.2, variant);
                metrics.UnlearningRequests.Add(1, new("method", "dihyfo2"), new("outcome", "succeeded"));
                metrics.UnlearningDuration.Record(3.5, new KeyValuePair<string, object?>("method", "dihyfo2"));
                metrics.TenantRejections.Add(1, new KeyValuePair<string, object?>("reason", "quota"));
            }
        });
    }
}
