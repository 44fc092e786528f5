using Lethe.Grains.Artifacts;
using Lethe.Grains.Collection;
using Lethe.Grains.Compute;
using Lethe.Grains.Hypernet;
using Lethe.Grains.Placement;
using Lethe.Grains.Telemetry;
using Lethe.Grains.Unlearning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Placement;

namespace Lethe.Grains.Hosting;

public static class LetheGrainsSiloBuilderExtensions
{
    /// <summary>
    /// The silo-local services the grains need (options, metrics, compute executor, artifact store, published-hypernetwork cache) and the GPU
    /// placement filter, with the silo's accelerator advertised as silo metadata. Storage and reminders are the host's.
    /// </summary>
    public static ISiloBuilder AddLetheGrains(this ISiloBuilder silo, IConfiguration configuration, string accelerator)
    {
        var services = silo.Services;
        services.AddOptions<ComputeOptions>().Bind(configuration.GetSection(ComputeOptions.Section));
        services.AddOptions<CollectionOptions>().Bind(configuration.GetSection(CollectionOptions.Section));
        services.AddOptions<ArtifactStoreOptions>().Bind(configuration.GetSection(ArtifactStoreOptions.Section));
        services.AddOptions<HypernetTrainerOptions>().Bind(configuration.GetSection(HypernetTrainerOptions.Section));
        services.AddOptions<UnlearningOptions>().Bind(configuration.GetSection(UnlearningOptions.Section));
        services.AddMetrics();
        services.TryAddSingleton<LetheMetrics>();
        services.TryAddSingleton<ComputeExecutor>();
        services.TryAddSingleton<PublishedHypernetCache>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<ArtifactStoreOptions>>().Value.CreateStore());
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloAccelerator.MetadataKey] = accelerator });
#pragma warning disable ORLEANSEXP004
        services.AddPlacementFilter<PrefersGpuPlacementFilterStrategy, PrefersGpuPlacementFilterDirector>(ServiceLifetime.Transient);
#pragma warning restore ORLEANSEXP004
        return silo;
    }
}
