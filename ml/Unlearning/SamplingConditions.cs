namespace Lethe.ML.Unlearning;

/// <summary>
/// What a DiHyFo hypernetwork is conditioned on (HyperForget §3): the target loss of every class and, for DiHyFo-1
/// only, the model to unlearn and its current per-class losses.
/// </summary>
public sealed record SamplingConditions(float[] TargetLosses, float[]? CurrentParameters = null, float[]? CurrentLosses = null);
