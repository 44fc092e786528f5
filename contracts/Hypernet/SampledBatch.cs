namespace Lethe.Contracts.Hypernet;

/// <summary>Parameter vectors a sampler grain drew, and the silo that drew them (so a request can tell how its sampling spread).</summary>
[GenerateSerializer, Immutable, Alias("lethe.sampled-batch")]
public sealed record SampledBatch(
    [property: Id(0)] float[][] Rows,
    [property: Id(1)] string Silo);
