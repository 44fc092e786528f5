using Lethe.Grains.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Lethe.Silo.Telemetry;

public static class LetheTelemetryExtensions
{
    /// <summary>The meter Orleans 10 records its runtime instruments on (scraped as <c>orleans_*</c>).</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>
    /// OpenTelemetry metrics for the silo: the Orleans meter, the <c>Lethe</c> meter and .NET runtime instruments,
    /// exported in Prometheus text format. The exporter package is prerelease (1.20.1-beta.1); it is the only one
    /// that serves a pull endpoint, which is what a ServiceMonitor scrapes.
    /// </summary>
    public static IHostApplicationBuilder AddLetheTelemetry(this IHostApplicationBuilder builder)
    {
        // The pod name tells silos apart in target_info; Prometheus' own instance label does the same for series.
        var instance = builder.Configuration["POD_NAME"] ?? Environment.MachineName;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("lethe-silo", serviceInstanceId: instance))
            .WithMetrics(metrics => metrics
                // ASP.NET Core's own http.server.request.duration (route template, method, status code: bounded labels).
                .AddMeter(OrleansMeterName, LetheMetrics.MeterName, "Microsoft.AspNetCore.Hosting")
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        return builder;
    }

    /// <summary><c>GET /metrics</c> in Prometheus text format (unauthenticated: keep it on the cluster network).</summary>
    public static WebApplication MapLetheTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint();
        return app;
    }
}
