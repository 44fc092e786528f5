using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

/// <summary>Classifier-free guidance: null target-loss tokens, the guided x̂0, and models trained without it.</summary>
public sealed class GuidanceTests : TinyTrainingFolder
{
    [Theory]
    [InlineData("dihyfo1")]
    [InlineData("dihyfo2")]
    public void An_unconditioned_row_ignores_its_target_losses_and_a_conditioned_row_does_not(string variant)
    {
        using var trainer = TrainedWithDropout(variant);
        var denoiser = trainer.EmaModel.Denoiser;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (noisy, steps, current, currentLoss) = Inputs(trainer.EmaModel, variant, rows: 2);
        var low = tensor(new[] { 0.1f, 0.1f, 0.2f, 0.2f, 0.1f, 0.1f, 0.2f, 0.2f }, [2, 4]);
        var high = tensor(new[] { 0.1f, 0.1f, 6f, 4f, 0.1f, 0.1f, 6f, 4f }, [2, 4]);
        var unconditioned = tensor(new[] { false, true });

        var fromLow = denoiser.Predict(noisy, steps, low, current, currentLoss, unconditioned);
        var fromHigh = denoiser.Predict(noisy, steps, high, current, currentLoss, unconditioned);

        Assert.False(fromLow[0].allclose(fromHigh[0]), "a conditioned row must depend on its target losses");
        Assert.True(fromLow[1].allclose(fromHigh[1], rtol: 0, atol: 0), "an unconditioned row must not see its target losses");
    }

    [Theory]
    [InlineData("dihyfo1")]
    [InlineData("dihyfo2")]
    public void One_step_guided_sample_is_the_unconditional_plus_w_times_the_conditional_shift(string variant)
    {
        using var trainer = TrainedWithDropout(variant);
        var model = trainer.EmaModel;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (_, _, current, currentLoss) = Inputs(model, variant, rows: 3);
        var rawCurrent = current is null ? null : model.Normalizer.Denormalize(current);
        var target = tensor(new[] { 0.1f, 0.1f, 5f, 0.3f }, [1, 4]).expand(3, 4).contiguous();

        // One DDIM step from x_T returns x̂0 itself, so the guided sample is exactly the combined prediction.
        var sampled = model.Normalizer.Normalize(model.Sample(target, rawCurrent, currentLoss, seed: 11, steps: 1, guidance: 3));
        using var generator = new Generator(11, model.Device);
        var x = randn([3, model.Layout.Count], generator: generator);
        var t = full(3, GaussianDiffusion.TrainingSteps - 1, ScalarType.Int64);
        var conditional = model.Denoiser.Predict(x, t, target, current, currentLoss);
        var free = model.Denoiser.Predict(x, t, target, current, currentLoss, ones(3, ScalarType.Bool));

        Assert.True(sampled.allclose(free + (3 * (conditional - free)), rtol: 1e-4, atol: 1e-4));
        Assert.False(sampled.allclose(conditional), "guidance 3 must move the sample away from the plain conditional one");
    }

    [Theory]
    [InlineData("dihyfo1")]
    [InlineData("dihyfo2")]
    public void Without_gradients_a_batch_goes_through_in_blocks_with_the_rows_of_one_pass(string variant)
    {
        using var trainer = TrainedWithDropout(variant);
        var denoiser = trainer.EmaModel.Denoiser;
        using var scope = NewDisposeScope();
        const int rowsPerPass = 64;
        var rows = (2 * rowsPerPass) + 5;
        var (noisy, _, current, currentLoss) = Inputs(trainer.EmaModel, variant, rows);
        var steps = randint(0, GaussianDiffusion.TrainingSteps, [rows], generator: new Generator(4));
        var target = rand([rows, 4], generator: new Generator(5)) * 3;
        var unconditioned = rand([rows], generator: new Generator(6)) < 0.3;

        Assert.True(is_grad_enabled());   // so this pass takes all rows at once
        var onePass = denoiser.Predict(noisy, steps, target, current, currentLoss, unconditioned).detach();
        Tensor inBlocks;
        using (no_grad())
        {
            inBlocks = denoiser.Predict(noisy, steps, target, current, currentLoss, unconditioned, rowsPerPass);
        }

        Assert.Equal([rows, trainer.EmaModel.Layout.Count], inBlocks.shape);
        Assert.True(inBlocks.allclose(onePass, rtol: 0, atol: 1e-6), $"largest difference {(inBlocks - onePass).abs().max().item<float>()}");
        Assert.Throws<ArgumentOutOfRangeException>(() => denoiser.Predict(noisy, steps, target, current, currentLoss, unconditioned, rowsPerPass: 0));
    }

    [Fact]
    public void Guidance_of_one_samples_exactly_the_plain_conditional_model()
    {
        using var trainer = TrainedWithDropout("dihyfo2");
        var conditions = new SampleConditions([0.1f, 0.1f, 3f, 0.2f]);

        var guided = trainer.EmaModel.Sample(conditions, 2, seed: 5, steps: 6, guidance: 1);
        var plain = trainer.EmaModel.Sample(conditions, 2, seed: 5, steps: 6);

        Assert.Equal(plain.SelectMany(v => v), guided.SelectMany(v => v));
    }

    [Fact]
    public void A_loaded_guided_model_keeps_its_null_tokens_and_default_scale()
    {
        using var trainer = Open("dihyfo2", dropout: 0.2, steps: 30, guidance: 2);
        trainer.Advance(30);
        using var model = HypernetModel.Load(new TrainingFolder(Folder).ModelPath());
        var conditions = new SampleConditions([0.1f, 0.1f, 3f, 0.2f]);

        Assert.Equal(2, model.Options.Guidance);
        Assert.Contains(model.NamedTensors(), t => t.Name == "null_conditions");
        Assert.Equal(
            trainer.EmaModel.Sample(conditions, 2, seed: 1, steps: 8, guidance: 2).SelectMany(v => v),
            model.Sample(conditions, 2, seed: 1, steps: 8).SelectMany(v => v));
    }

    [Fact]
    public void A_model_trained_without_dropout_refuses_guidance_and_keeps_its_tensor_set_and_options_id()
    {
        using var trainer = Open("dihyfo2", dropout: 0, steps: 10);

        var error = Assert.Throws<ArgumentException>(() => trainer.EmaModel.Sample(new SampleConditions([0.1f, 0.1f, 3f, 0.2f]), 1, seed: 1, steps: 2, guidance: 2));
        Assert.Contains("condition dropout", error.Message);
        Assert.DoesNotContain(trainer.EmaModel.NamedTensors(), t => t.Name == "null_conditions");
        var json = HypernetOptions.ForPreset("cpu", "dihyfo2").ToJson();
        Assert.DoesNotContain("ConditionDropout", json);
        Assert.DoesNotContain("Guidance", json);
        var optionError = Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("cpu", "dihyfo2") with { Guidance = 2 }).Validated());
        Assert.Contains("condition dropout", optionError.Message);
    }

    private static (Tensor Noisy, Tensor Steps, Tensor? Current, Tensor? CurrentLoss) Inputs(HypernetModel model, string variant, int rows)
    {
        var noisy = randn(rows, model.Layout.Count, generator: new Generator(3));
        var steps = full(rows, 500, ScalarType.Int64);
        if (variant != "dihyfo1")
        {
            return (noisy, steps, null, null);
        }

        var raw = ParameterLayout.For(TaskPreset.Mnist4.Architecture).InitialParameters(9);
        var current = model.Normalizer.Normalize(tensor(raw, [1, raw.Length]).expand(rows, raw.Length).contiguous());
        return (noisy, steps, current, full(rows, 4, 1.4f));
    }

    /// <summary>A tiny training with condition dropout .2, 20 steps trained.</summary>
    private HypernetTrainer TrainedWithDropout(string variant)
    {
        var trainer = Open(variant, dropout: 0.2, steps: 20);
        trainer.Advance(20);
        return trainer;
    }

    private HypernetTrainer Open(string variant, double dropout, int steps, double? guidance = null)
    {
        var options = HypernetOptions.ForPreset("tiny", variant) with
        {
            Steps = steps, EvaluateEvery = steps, CheckpointEvery = 10, LogEvery = 10, ConditionDropout = dropout, Guidance = guidance,
        };
        return OpenTraining(options);
    }
}
