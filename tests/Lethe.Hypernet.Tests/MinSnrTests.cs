using Lethe.ML.Hypernet;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

/// <summary>Min-SNR-γ timestep weighting (<see cref="HypernetOptions.MinSnr"/>).</summary>
public sealed class MinSnrTests : TinyTrainingFolder
{
    [Fact]
    public void The_weighting_changes_training_but_not_the_unweighted_held_out_loss_definition_or_older_options_ids()
    {
        var options = HypernetOptions.ForPreset("tiny", "dihyfo2") with { Steps = 10, EvaluateEvery = 10, CheckpointEvery = 10, LogEvery = 10 };
        using var uniform = OpenTraining(options);
        var other = Folder + "-snr";
        try
        {
            using var weighted = OpenTraining(options with { MinSnr = 5 }, other);
            // Same seed, same initialisation: the same held-out loss before any step, whatever the weighting.
            Assert.Equal(uniform.MeasureHeldOutLoss(), weighted.MeasureHeldOutLoss(), 6);

            uniform.Advance(10);
            weighted.Advance(10);

            var pairs = uniform.EmaModel.Denoiser.parameters().Zip(weighted.EmaModel.Denoiser.parameters());
            Assert.Contains(pairs, p => !p.First.allclose(p.Second));
            Assert.True(double.IsFinite(weighted.MeasureHeldOutLoss()));
        }
        finally
        {
            if (Directory.Exists(other))
            {
                Directory.Delete(other, recursive: true);
            }
        }

        Assert.DoesNotContain(nameof(HypernetOptions.MinSnr), options.ToJson());
        Assert.Contains("γ", Assert.Throws<ArgumentException>(() => (options with { MinSnr = 0 }).Validated()).Message);
    }
}
