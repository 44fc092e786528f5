using Lethe.ML.Hypernet;

namespace Lethe.ML.Unlearning;

/// <summary>
/// A trained <see cref="HypernetModel"/> as the <see cref="IParameterSampler"/> that <see cref="DiHyFoMethod"/> draws its
/// N candidates from: all N in one batched reverse-diffusion pass (DDIM by default, HyperForget A.4), raw parameters in
/// <see cref="Nets.ParameterLayout"/> order.
/// </summary>
public sealed class HypernetParameterSampler(HypernetModel model, int steps = 50, string sampler = "ddim") : IParameterSampler
{
    public HypernetModel Model => model;

    public int Steps => steps;

    public string Sampler => sampler;

    public float[][] Sample(SamplingConditions conditions, int count, int seed, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        if (conditions.TargetLosses.Length != model.LossWidth)
        {
            throw new ArgumentException($"The hypernetwork ({model.Variant}) takes {model.LossWidth} target losses; got {conditions.TargetLosses.Length}.");
        }

        // DiHyFo-2 ignores the model to unlearn: passing it would not change the samples, so it is not passed.
        var current = model.Variant.ConditionsOnCurrent ? conditions.CurrentParameters : null;
        var currentLoss = model.Variant.ConditionsOnCurrent ? conditions.CurrentLosses : null;
        return model.Sample(new SampleConditions(conditions.TargetLosses, current, currentLoss), count, seed, steps, sampler);
    }
}
