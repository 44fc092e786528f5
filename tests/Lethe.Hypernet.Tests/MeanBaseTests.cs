using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

/// <summary>DiHyFo-1's mean base (<see cref="HypernetOptions.MeanBase"/>): x̂0 from the dataset mean, the current θ an input only.</summary>
public sealed class MeanBaseTests : TinyTrainingFolder
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_untrained_dihyfo1_predicts_its_base_the_current_parameters_or_the_dataset_mean(bool meanBase)
    {
        using var trainer = Open(meanBase, steps: 10);
        var denoiser = trainer.EmaModel.Denoiser;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (noisy, steps, current, loss) = Inputs(trainer.EmaModel);

        var predicted = denoiser.Predict(noisy, steps, full(2, 4, 0.2f), current, loss);

        // The heads start at zero, so x̂0 is the base itself.
        var expected = meanBase ? denoiser.Base.unsqueeze(0).expand(2, -1) : current;
        Assert.True(predicted.allclose(expected, rtol: 0, atol: 0));
        Assert.False(denoiser.Base.allclose(zeros_like(denoiser.Base)), "the base must be the dataset mean, not zeros");
    }

    [Fact]
    public void A_trained_mean_base_dihyfo1_still_reads_the_current_parameters()
    {
        using var trainer = Open(meanBase: true, steps: 20);
        trainer.Advance(20);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (noisy, steps, current, loss) = Inputs(trainer.EmaModel);
        var other = trainer.EmaModel.Normalizer.Normalize(Raw(seed: 4, rows: 2));

        var fromCurrent = trainer.EmaModel.Denoiser.Predict(noisy, steps, full(2, 4, 0.2f), current, loss);
        var fromOther = trainer.EmaModel.Denoiser.Predict(noisy, steps, full(2, 4, 0.2f), other, loss);

        Assert.False(fromCurrent.allclose(fromOther), "the current parameters are an input of the prediction");
    }

    [Fact]
    public void The_mean_base_is_refused_for_dihyfo2_and_left_out_of_the_options_id_when_off()
    {
        var error = Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("cpu", "dihyfo2") with { MeanBase = true }).Validated());

        Assert.Contains("mean base", error.Message);
        Assert.DoesNotContain(nameof(HypernetOptions.MeanBase), (HypernetOptions.ForPreset("tiny", "dihyfo1") with { MeanBase = false }).ToJson());
    }

    private static Tensor Raw(int seed, int rows)
    {
        var raw = ParameterLayout.For(TaskPreset.Mnist4.Architecture).InitialParameters(seed);
        return tensor(raw, [1, raw.Length]).expand(rows, raw.Length).contiguous();
    }

    private static (Tensor Noisy, Tensor Steps, Tensor Current, Tensor CurrentLoss) Inputs(HypernetModel model) =>
        (randn(2, model.Layout.Count, generator: new Generator(3)), full(2, 500, ScalarType.Int64), model.Normalizer.Normalize(Raw(seed: 9, rows: 2)), full(2, 4, 1.4f));

    private HypernetTrainer Open(bool meanBase, int steps) => OpenTraining(HypernetOptions.ForPreset("tiny", "dihyfo1") with
    {
        Steps = steps, EvaluateEvery = steps, CheckpointEvery = 10, LogEvery = 10, MeanBase = meanBase,
    });
}
