using Lethe.ML.Hypernet;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

/// <summary><see cref="HypernetOptions.VPrediction"/>: x̂0 = √ᾱ·x_t + (1 − ᾱ)·base + √(1 − ᾱ)·heads.</summary>
public sealed class VPredictionTests : TinyTrainingFolder
{
    [Fact]
    public void An_untrained_v_prediction_dihyfo2_predicts_the_linear_estimate_from_the_noisy_net_and_its_base()
    {
        using var trainer = Open(steps: 10);
        var denoiser = trainer.EmaModel.Denoiser;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var noisy = randn(3, trainer.EmaModel.Layout.Count, generator: new Generator(3));
        var alphaBar = GaussianDiffusion.Linear().AlphasCumprod;
        int[] timesteps = [0, 500, 999];

        var predicted = denoiser.Predict(noisy, tensor(timesteps.Select(t => (long)t).ToArray()), full(3, 4, 0.2f));

        // The heads start at zero: what is left is the linear part, which at t = 0 is the noisy net itself.
        for (var i = 0; i < timesteps.Length; i++)
        {
            var a = (float)alphaBar[timesteps[i]];
            var expected = (MathF.Sqrt(a) * noisy[i]) + ((1 - a) * denoiser.Base);
            Assert.True(predicted[i].allclose(expected, rtol: 1e-5, atol: 1e-5), $"timestep {timesteps[i]}");
        }

        Assert.True(predicted[0].allclose(noisy[0], rtol: 0, atol: 1e-3));
    }

    [Fact]
    public void A_v_prediction_dihyfo2_trains_and_is_a_separate_training_from_the_x0_one()
    {
        using var trainer = Open(steps: 20);
        trainer.Advance(20);

        Assert.True(double.IsFinite(trainer.Status().TrainLoss));
        Assert.NotEqual(HypernetOptions.ForPreset("tiny", "dihyfo2").Id, trainer.Options.Id);
        Assert.DoesNotContain(nameof(HypernetOptions.VPrediction), HypernetOptions.ForPreset("tiny", "dihyfo2").ToJson());
    }

    private HypernetTrainer Open(int steps) => OpenTraining(HypernetOptions.ForPreset("tiny", "dihyfo2") with
    {
        Steps = steps, EvaluateEvery = steps, CheckpointEvery = 10, LogEvery = 10, VPrediction = true,
    });
}
