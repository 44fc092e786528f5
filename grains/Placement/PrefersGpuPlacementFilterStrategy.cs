using Orleans.Placement;

namespace Lethe.Grains.Placement;

#pragma warning disable ORLEANSEXP004
public sealed class PrefersGpuPlacementFilterStrategy() : PlacementFilterStrategy(order: 0);
#pragma warning restore ORLEANSEXP004
