using System.Net;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Collection;
using Lethe.Grains.Hosting;
using Lethe.Grains.Hypernet;
using Lethe.Grains.Placement;
using Lethe.Silo.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using StackExchange.Redis;

namespace Lethe.Silo.Hosting;

public static class LetheSiloHostingExtensions
{
    public const string ReadyTag = "ready";

    /// <summary>
    /// Hosts the Lethe silo in this process with the profile from configuration (<c>Lethe:Profile</c>). The <c>lethe</c>
    /// CLI calls this for its embedded Local silo; <c>silo/Program.cs</c> for a cluster member.
    /// </summary>
    public static IHostApplicationBuilder AddLetheSilo(this IHostApplicationBuilder builder, Action<ISiloBuilder>? configure = null)
    {
        var configuration = builder.Configuration;
        var options = configuration.GetSection(LetheSiloOptions.Section).Get<LetheSiloOptions>() ?? new LetheSiloOptions();
        builder.Services.AddOptions<LetheSiloOptions>().Bind(configuration.GetSection(LetheSiloOptions.Section));
        builder.Services.AddHealthChecks().AddCheck<SiloReadinessCheck>("silo", tags: [ReadyTag]);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(120));

        builder.UseOrleans(silo =>
        {
            silo.AddLetheGrains(configuration, AcceleratorDetection.Resolve(options.Accelerator));
            silo.Services.AddOptions<ClusterMembershipOptions>().Bind(configuration.GetSection("Orleans:Membership"));
            silo.Services.AddOptions<SiloMessagingOptions>().Bind(configuration.GetSection("Orleans:Messaging"));
            silo.Services.AddOptions<ReminderOptions>().Bind(configuration.GetSection("Orleans:ReminderOptions"));
            if (options.Profile == SiloProfile.Local)
            {
                UseLocalFolder(silo, configuration, options, builder.Services);
            }
            else
            {
                UseCluster(silo, configuration, options);
            }

            configure?.Invoke(silo);
        });
        return builder;
    }

    /// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (the silo is active and not stopping).</summary>
    public static WebApplication MapLetheHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains(ReadyTag) });
        return app;
    }

    /// <summary>
    /// One machine, durable: grain state and reminders in the platform folder (so the next process sees this one's jobs,
    /// trainings, models and requests and resumes what it left unfinished), artifacts and scratch files beside them.
    /// </summary>
    /// <exception cref="LocalPlatformFolder.BusyException">Another process hosts the folder's silo.</exception>
    private static void UseLocalFolder(ISiloBuilder silo, IConfiguration configuration, LetheSiloOptions options, IServiceCollection hostServices)
    {
        var folder = LocalPlatformFolder.From(configuration);
        var hosting = folder.TryHost() ?? throw new LocalPlatformFolder.BusyException(folder);
        // The lock goes with the host: released when it is disposed (or the process dies).
        hostServices.AddHostedService(sp => new LocalPlatformFolder.GatewayPublisher(folder, hosting, options.GatewayPort, sp.GetRequiredService<IHostApplicationLifetime>()));
        silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: LocalPlatformFolder.ClusterId, clusterId: LocalPlatformFolder.ClusterId);
        silo.Services.AddGrainStorage(CollectionOptions.StorageName, (services, _) =>
            new FileGrainStorage(Path.Combine(folder.StatePath, "grains"), services.GetRequiredService<Orleans.Serialization.Serializer>()));
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable>(new FileReminderTable(Path.Combine(folder.StatePath, "reminders.json")));
        // Settings given explicitly (e.g. Lethe__Artifacts__LocalPath) win over the folder's layout.
        if (configuration[$"{ArtifactStoreOptions.Section}:LocalPath"] is null)
        {
            silo.Services.PostConfigure<ArtifactStoreOptions>(o => o.LocalPath = folder.ArtifactsPath);
        }

        if (configuration[$"{HypernetTrainerOptions.Section}:WorkPath"] is null)
        {
            silo.Services.PostConfigure<HypernetTrainerOptions>(o => o.WorkPath = folder.ScratchPath);
        }
    }

    private static void UseCluster(ISiloBuilder silo, IConfiguration configuration, LetheSiloOptions options)
    {
        var redis = options.Redis ?? throw new ArgumentException("The Cluster profile needs a Redis connection string in Lethe:Redis (env Lethe__Redis).");
        ConfigurationOptions Redis()
        {
            var parsed = ConfigurationOptions.Parse(redis);
            parsed.AbortOnConnectFail = false;
            return parsed;
        }

        silo.Services.PostConfigure<ArtifactStoreOptions>(o => o.Kind ??= "blob");
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = configuration["Orleans:ClusterId"] ?? "lethe";
            o.ServiceId = configuration["Orleans:ServiceId"] ?? "lethe";
        });
        silo.UseRedisClustering(o => o.ConfigurationOptions = Redis());
        silo.AddRedisGrainStorage(CollectionOptions.StorageName, o => o.ConfigurationOptions = Redis());
        silo.UseRedisReminderService(o => o.ConfigurationOptions = Redis());

        // Kubernetes passes the pod's identity through the downward API; advertise the pod IP (never a Service VIP).
        var podIp = configuration["POD_IP"];
        var advertised = podIp is null ? IPAddress.Loopback : IPAddress.Parse(podIp);
        silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: podIp is not null);
        if (configuration["POD_NAME"] is { } podName)
        {
            silo.Configure<SiloOptions>(o => o.SiloName = podName);
        }
    }
}
