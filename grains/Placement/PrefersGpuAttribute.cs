using Orleans.Placement;

namespace Lethe.Grains.Placement;

/// <summary>
/// Places a compute-heavy grain on a silo advertising <c>lethe.accelerator=gpu</c> when the cluster has one, anywhere
/// otherwise. The built-in metadata filters compare with the calling silo, not with a fixed value, hence this filter.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
#pragma warning disable ORLEANSEXP004 // placement filters are marked experimental in Orleans 10
public sealed class PrefersGpuAttribute() : PlacementFilterAttribute(new PrefersGpuPlacementFilterStrategy());
#pragma warning restore ORLEANSEXP004
