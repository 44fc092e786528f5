using Lethe.Contracts.Hypernet;
using Lethe.ML.Hypernet;

namespace Lethe.Grains.Hypernet;

public static class HypernetTrainingRequestExtensions
{
    /// <summary>The preset's options with the request's overrides; throws one <see cref="ArgumentException"/> naming what is not accepted.</summary>
    public static HypernetOptions ToOptions(this HypernetTrainingRequest request)
    {
        var options = HypernetOptions.ForPreset(request.Preset, HypernetVariant.Parse(request.Variant).Name);
        return (options with
        {
            Steps = request.Steps ?? options.Steps,
            Seed = request.Seed ?? options.Seed,
            EvaluateEvery = request.EvaluateEvery ?? options.EvaluateEvery,
            BatchSize = request.BatchSize ?? options.BatchSize,
            LearningRate = request.LearningRate ?? options.LearningRate,
            Balance = request.Balance ?? options.Balance,
            Normalization = request.Normalization ?? options.Normalization,
            LossWeighting = request.LossWeighting ?? options.LossWeighting,
            EmaDecay = request.EmaDecay ?? options.EmaDecay,
            LossFrequencyLog2 = request.LossFrequencyLog2 ?? options.LossFrequencyLog2,
            ConditionDropout = request.ConditionDropout ?? options.ConditionDropout,
            Guidance = request.Guidance ?? options.Guidance,
            Width = request.Width ?? options.Width,
            Layers = request.Layers ?? options.Layers,
            ScaleAugmentation = request.ScaleAugmentation ?? options.ScaleAugmentation,
            ForgettingPairs = request.ForgettingPairs ?? options.ForgettingPairs,
            TwinPairs = request.TwinPairs ?? options.TwinPairs,
        }).Validated();
    }
}
