using Lethe.Contracts.Hypernet;
using Lethe.ML.Hypernet;
using Lethe.ML.InvWnn;

namespace Lethe.Grains.Hypernet;

public static class HypernetTrainingRequestExtensions
{
    /// <summary>The preset's options with the request's overrides; throws one <see cref="ArgumentException"/> naming what is not accepted.</summary>
    public static HypernetOptions ToOptions(this HypernetTrainingRequest request)
    {
        if (InvWnnTraining.IsVariant(request.Variant))
        {
            // InvWNN trains its predictor, not a hypernetwork: only the steps, seed, batch and learning rate apply.
            var preset = HypernetOptions.ForPreset(request.Preset, HypernetVariant.Dihyfo2.Name);
            return preset with
            {
                Variant = InvWnnTraining.Variant,
                Steps = request.Steps ?? 2000,
                Seed = request.Seed ?? preset.Seed,
                BatchSize = request.BatchSize ?? 4096,
                LearningRate = request.LearningRate ?? 1e-3,
            };
        }

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
            CrossPairs = request.CrossPairs ?? options.CrossPairs,
            MeanBase = request.MeanBase ?? options.MeanBase,
        }).Validated();
    }
}
