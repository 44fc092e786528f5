using Lethe.ML.Data;
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

    [Fact]
    public void Companion_prompts_are_the_medians_over_the_nearest_twentieth_ties_to_the_lower_row()
    {
        // Losses on a coarse grid, so many rows tie at the cut-off distance.
        var batch = SyntheticCheckpoints.Create(TaskPreset.Mnist4, runs: 40, perRun: 12, seed: 5);
        var rng = new Random(2);
        var coarse = batch with { ClassLoss = batch.ClassLoss.Select(_ => rng.Next(0, 12) * 0.25f).ToArray() };
        var normalizer = new ParameterNormalizer(ML.Nets.ParameterLayout.For(TaskPreset.Mnist4.Architecture), [1f, 1f, 1f, 1f]);
        var (train, heldOut) = CheckpointRuns.Split(coarse, normalizer, perClassLosses: true, heldOutFraction: 0.25);
        using (train)
        using (heldOut)
        {
            var alignment = new PromptAlignment(train, heldOut, SyntheticCheckpoints.Images(TaskPreset.Mnist4, 8, 1), TaskPreset.Mnist4.Pivots);
            foreach (var (c, prompt) in new[] { (2, 1.0f), (3, 0.6f), (0, 2.75f) })
            {
                // The definition: a stable sort of the rows by distance to the prompt, the first twentieth (at least 20).
                var nearest = Enumerable.Range(0, train.Count).OrderBy(r => Math.Abs(train.LossOf(r, c) - prompt)).Take(Math.Max(20, train.Count / 20)).ToArray();
                var expected = Enumerable.Range(0, train.ClassCount)
                    .Select(m => m == c ? prompt : (float)PromptAlignment.Quantile(nearest.Select(r => (double)train.LossOf(r, m)).Order().ToArray(), 0.5)).ToArray();

                Assert.Equal(expected, alignment.Companions(c, prompt));
                Assert.Equal(expected, alignment.Companions(c, prompt));
            }
        }
    }
}
