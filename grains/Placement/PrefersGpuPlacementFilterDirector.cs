using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Lethe.Grains.Placement;

#pragma warning disable ORLEANSEXP004
public sealed class PrefersGpuPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var candidates = silos.ToList();
        var gpus = candidates.Where(IsGpu).ToList();
        return gpus.Count > 0 ? gpus : candidates;
    }

    private bool IsGpu(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloAccelerator.MetadataKey, out var value) && value == SiloAccelerator.Gpu;
}
#pragma warning restore ORLEANSEXP004
