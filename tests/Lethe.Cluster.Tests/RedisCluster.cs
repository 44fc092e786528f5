using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Lethe.Cluster.Tests;

/// <summary>
/// Silo processes in the Cluster profile on one Redis (clustering, grain state, reminders) and one Azurite container
/// (artifacts), with fast failure detection, and an Orleans client on them.
/// </summary>
public static class RedisCluster
{
    public const string ServiceId = "lethe-test";

    /// <summary>The silos' settings; <paramref name="extra"/> adds or overrides some.</summary>
    public static Dictionary<string, string> Environment(RedisServer redis, AzuriteServer azurite, string clusterId, string container, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["Lethe__Profile"] = "Cluster",
            ["Lethe__Redis"] = redis.ConnectionString,
            ["Lethe__Accelerator"] = "cpu",
            ["Lethe__Artifacts__BlobConnectionString"] = azurite.ConnectionString,
            ["Lethe__Artifacts__BlobContainer"] = container,
            ["Lethe__Collection__ResumePeriod"] = "00:00:05",
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__ServiceId"] = ServiceId,
            ["Orleans__ReminderOptions__MinimumReminderPeriod"] = "00:00:05",
            ["Orleans__Messaging__ResponseTimeout"] = "00:00:05",
            // Fast failure detection (design/environment-notes.md §2): a dead silo is evicted in about 1.5 s.
            ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
            ["Orleans__Membership__NumMissedProbesLimit"] = "2",
            ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
            ["Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
            ["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:05",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging__LogLevel__Lethe"] = "Information",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return environment;
    }

    public static async Task<IHost> ConnectClient(string redis, string clusterId, TimeSpan responseTimeout)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = ServiceId;
            });
            client.UseRedisClustering(redis);
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static Task WaitForActiveSilos(IClusterClient grains, int count) =>
        Poll.Until(async () => (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == count,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200), () => $"the cluster did not reach {count} active silos");
}
