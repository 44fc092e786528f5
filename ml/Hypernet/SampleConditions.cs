namespace Lethe.ML.Hypernet;

/// <summary>
/// What a sampled parameter vector should achieve. <paramref name="TargetLoss"/> holds one target test loss per class
/// (DiHyFo) or one global loss (G.pt). DiHyFo-1 and G.pt also need the current raw parameters and their losses.
/// </summary>
public sealed record SampleConditions(float[] TargetLoss, float[]? Current = null, float[]? CurrentLoss = null);
