using System.Net;
using System.Net.Sockets;
using Lethe.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Lethe.Client.Cluster;

/// <summary>
/// The CLI's way into Orleans; every command that does platform work goes through <see cref="Client"/>. With a cluster
/// address (a Redis connection string: <c>--cluster</c> or env <c>LETHE_CLUSTER</c>) it connects to that cluster's
/// gateways. Without one it uses the machine's Local platform (<see cref="LocalPlatformFolder"/>): it hosts that
/// platform's silo in this process, or, while another <c>lethe</c> process hosts it, connects to that one's gateway.
/// </summary>
public sealed class LetheConnection : IAsyncDisposable
{
    public const string ClusterVariable = "LETHE_CLUSTER";

    private readonly IHost _host;

    private LetheConnection(IHost host, string where)
    {
        _host = host;
        Where = where;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    /// <summary>What the commands run on, for their first line: an embedded silo, another process's, or the cluster.</summary>
    public string Where { get; }

    /// <param name="cluster">Redis connection string of a cluster, or null for the Local platform (then <c>LETHE_CLUSTER</c> is consulted).</param>
    /// <param name="settings">Extra configuration of an embedded silo (e.g. <c>Lethe:Compute:Threads</c>), over environment variables.</param>
    public static async Task<LetheConnection> Open(string? cluster, IReadOnlyDictionary<string, string?>? settings, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryOpen(cluster, settings, attempt == 1 ? TimeSpan.Zero : TimeSpan.FromSeconds(30), ct);
            }
            catch (HostGoneException) when (attempt < 3)
            {
                // The process hosting the Local platform ended while this one connected to it (host it here instead),
                // or started hosting it while this one was about to (wait for its gateway).
            }
        }
    }

    private static async Task<LetheConnection> TryOpen(string? cluster, IReadOnlyDictionary<string, string?>? settings, TimeSpan waitForHost, CancellationToken ct)
    {
        cluster ??= Environment.GetEnvironmentVariable(ClusterVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        var builder = Builder(settings);
        if (cluster is not null)
        {
            builder.UseOrleansClient(client =>
            {
                Identify(client, builder.Configuration);
                client.UseRedisClustering(o =>
                {
                    o.ConfigurationOptions = ConfigurationOptions.Parse(cluster);
                    o.ConfigurationOptions.AbortOnConnectFail = false;
                });
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            });
            return await Start(builder, "the cluster", $"Cannot connect to the Lethe cluster registered in Redis '{cluster}'", ct);
        }

        var folder = LocalPlatformFolder.From(builder.Configuration);
        var hosted = await folder.HostedGatewayPort(waitForHost, ct);
        if (hosted is null)
        {
            // Free ports, so an embedded silo never collides with a dev silo or another platform folder's.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Lethe:Profile"] = nameof(SiloProfile.Local),
                ["Lethe:Home"] = folder.Root,
                ["Lethe:SiloPort"] = FreePort().ToString(),
                ["Lethe:GatewayPort"] = FreePort().ToString(),
            });
            try
            {
                builder.AddLetheSilo();
            }
            catch (LocalPlatformFolder.BusyException)
            {
                // Another process took the folder a moment ago: connect to it instead.
                throw new HostGoneException(folder.Root);
            }

            return await Start(builder, $"an embedded silo ({folder.Root})", null, ct);
        }

        var port = hosted.Value;
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => o.ClusterId = o.ServiceId = LocalPlatformFolder.ClusterId);
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, port));
        });
        try
        {
            return await Start(builder, $"the silo of another lethe process ({folder.Root})", null, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new HostGoneException(folder.Root);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(30));
        _host.Dispose();
    }

    private static HostApplicationBuilder Builder(IReadOnlyDictionary<string, string?>? settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Error);
        // A command's output is its progress and results; Orleans and Lethe's own grain logs would interleave with it
        // (and print stack traces of expected events, such as cancellation), so only errors reach the terminal.
        builder.Logging.AddFilter("Orleans", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        // Orleans retries placement through Polly while a stopping silo hands its grains over.
        builder.Logging.AddFilter("Polly", LogLevel.None);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Services.AddSingleton<IHostLifetime, CommandHostLifetime>();
        return builder;
    }

    private static void Identify(IClientBuilder client, IConfiguration configuration) =>
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = configuration["Orleans:ClusterId"] ?? "lethe";
            o.ServiceId = configuration["Orleans:ServiceId"] ?? "lethe";
        });

    private static async Task<LetheConnection> Start(HostApplicationBuilder builder, string where, string? failure, CancellationToken ct)
    {
        var host = builder.Build();
        try
        {
            await host.StartAsync(ct);
        }
        catch (Exception e) when (failure is not null && e is not OperationCanceledException)
        {
            host.Dispose();
            throw new InvalidOperationException($"{failure}: {e.Message}", e);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new LetheConnection(host, where);
    }

    /// <summary>A loopback port nothing listens on now.</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The process hosting the Local platform could not be reached (it ended, or is stuck starting).</summary>
    private sealed class HostGoneException(string folder) : InvalidOperationException(
        $"Another lethe process holds the platform in {folder} but cannot be reached; wait for it to finish, or set {LocalPlatformFolder.HomeVariable} to another folder.");
}
