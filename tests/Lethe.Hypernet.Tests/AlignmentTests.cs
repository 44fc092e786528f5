using Lethe.ML.Hypernet;

namespace Lethe.Hypernet.Tests;

public class AlignmentTests
{
    [Fact]
    public void Eq_6_is_one_on_the_identity_line_zero_at_the_prompt_mean_and_negative_beyond()
    {
        float[] prompts = [0, 1, 2];
        Assert.Equal(1, PromptAlignment.RSquared(prompts, prompts), 6);
        Assert.Equal(0, PromptAlignment.RSquared(prompts, [1, 1, 1]), 6);
        // Residual (2² + 2² + 2²) = 12 against a spread of 2: 1 − 12 / 2 = −5.
        Assert.Equal(-5, PromptAlignment.RSquared(prompts, [2, 3, 4]), 5);
    }

    [Fact]
    public void A_sweeps_alignment_is_the_mean_over_nets_with_its_standard_error()
    {
        // Net 0 lands on every prompt (R² 1); net 1 answers the prompts' mean (R² 0).
        var sweep = new ClassAlignment(2, false, 0.5, 0.5, 0, 2, 1, 2, [0, 1, 2, 0, 1, 2], [0, 1, 2, 1, 1, 1]);

        Assert.Equal([1, 0], sweep.PerNetAlignment.Select(r => Math.Round(r, 6)));
        // Sample standard deviation √((0.5² + 0.5²) / 1) = 0.7071, over √2 nets: 0.5.
        Assert.Equal(0.5, sweep.AlignmentStandardError, 6);
        Assert.Equal(0, (sweep with { Nets = 1, Targets = [0, 1, 2], Observed = [0, 1, 2] }).AlignmentStandardError);
    }
}
