using System.Net;
using System.Net.Sockets;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Compute;
using Lethe.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Lethe.Client.Cluster;

/// <summary>
/// The CLI's way into Orleans: without a cluster address it hosts an embedded <c>Local</c> silo in this process;
/// with one (a Redis connection string: <c>--cluster</c> or env <c>LETHE_CLUSTER</c>) it connects to that cluster's
/// gateways as a client. Either way it also opens the artifact store the silos write shards to.
/// </summary>
public sealed class LetheConnection : IAsyncDisposable
{
    public const string ClusterVariable = "LETHE_CLUSTER";

    private readonly IHost _host;

    private LetheConnection(IHost host, bool embedded)
    {
        _host = host;
        Embedded = embedded;
        Client = host.Services.GetRequiredService<IClusterClient>();
        Artifacts = embedded
            ? host.Services.GetRequiredService<IArtifactStore>()
            : host.Services.GetRequiredService<IOptions<ArtifactStoreOptions>>().Value.CreateStore();
    }

    public IClusterClient Client { get; }

    public IArtifactStore Artifacts { get; }

    public bool Embedded { get; }

    /// <summary>The embedded silo's compute executor (null when connected to a cluster).</summary>
    public ComputeExecutor? ExecutorHere => Embedded ? _host.Services.GetRequiredService<ComputeExecutor>() : null;

    /// <summary>Runs trained by the embedded silo so far (null when connected to a cluster).</summary>
    public long? RunsTrainedHere => ExecutorHere?.RunsTrained;

    /// <param name="cluster">Redis connection string of a cluster, or null for the embedded silo (then <c>LETHE_CLUSTER</c> is consulted).</param>
    /// <param name="settings">Extra configuration (e.g. <c>Lethe:Artifacts:LocalPath</c>), over environment variables.</param>
    public static async Task<LetheConnection> Open(string? cluster, IReadOnlyDictionary<string, string?>? settings, CancellationToken ct)
    {
        cluster ??= Environment.GetEnvironmentVariable(ClusterVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Services.AddSingleton<IHostLifetime, CommandHostLifetime>();
        if (cluster is null)
        {
            // Free ports, so several embedded CLIs (or a CLI next to a dev silo) never collide.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Lethe:Profile"] = nameof(SiloProfile.Local),
                ["Lethe:SiloPort"] = FreePort().ToString(),
                ["Lethe:GatewayPort"] = FreePort().ToString(),
            });
            builder.AddLetheSilo();
        }
        else
        {
            builder.Services.AddOptions<ArtifactStoreOptions>().Bind(builder.Configuration.GetSection(ArtifactStoreOptions.Section));
            builder.Services.PostConfigure<ArtifactStoreOptions>(o => o.Kind ??= "blob");
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = builder.Configuration["Orleans:ClusterId"] ?? "lethe";
                    o.ServiceId = builder.Configuration["Orleans:ServiceId"] ?? "lethe";
                });
                client.UseRedisClustering(o =>
                {
                    o.ConfigurationOptions = ConfigurationOptions.Parse(cluster);
                    o.ConfigurationOptions.AbortOnConnectFail = false;
                });
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            });
        }

        var host = builder.Build();
        try
        {
            await host.StartAsync(ct);
        }
        catch (Exception e) when (cluster is not null && e is not OperationCanceledException)
        {
            host.Dispose();
            throw new InvalidOperationException($"Cannot connect to the Lethe cluster registered in Redis '{cluster}': {e.Message}", e);
        }

        return new LetheConnection(host, embedded: cluster is null);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(30));
        _host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
