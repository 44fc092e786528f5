namespace Lethe.Contracts.Hypernet;

/// <summary>
/// What one sampled vector should achieve: a target test loss per class (DiHyFo) or one global loss (G.pt); DiHyFo-1
/// and G.pt also take the current parameters and their losses.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.sampling-condition")]
public sealed record SamplingCondition(
    [property: Id(0)] float[] TargetLoss,
    [property: Id(1)] float[]? Current = null,
    [property: Id(2)] float[]? CurrentLoss = null);
