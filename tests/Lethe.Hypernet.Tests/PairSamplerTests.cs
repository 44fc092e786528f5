using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.Hypernet.Tests;

public class PairSamplerTests
{
    private static readonly TaskPreset Task = TaskPreset.Mnist4;

    /// <summary>
    /// Run 0 learns class 2 and then forgets it (losses 2.0, 0.2, 0.3, 1.5, 2.5: forgetting transitions (1,3), (1,4),
    /// (2,3), (2,4)); run 1 never learns it; run 2 is held out. The other classes stay at 0.1.
    /// </summary>
    private static CheckpointRuns Runs()
    {
        var layout = ParameterLayout.For(Task.Architecture);
        var builder = new CheckpointBatchBuilder(layout.Count, Task.Classes.Length);
        float[][] class2 = [[2.0f, 0.2f, 0.3f, 1.5f, 2.5f], [2.0f, 1.9f, 1.8f, 2.1f, 2.2f], [1f, 1f]];
        for (var run = 0; run < class2.Length; run++)
        {
            for (var k = 0; k < class2[run].Length; k++)
            {
                float[] loss = [0.1f, 0.1f, class2[run][k], 0.1f];
                builder.Add(run, k * 10, k, layout.InitialParameters(run), loss, loss.Select(l => (float)Math.Exp(-l)).ToArray());
            }
        }

        var batch = builder.Build();
        var normalizer = new ParameterNormalizer(layout, Enumerable.Repeat(1f, layout.Tensors.Count).ToArray());
        return CheckpointRuns.Split(batch, normalizer, perClassLosses: true, heldOutFraction: 0.3).Train;
    }

    [Fact]
    public void ForgettingShareDrawsLearnedThenForgottenPairsOfOneRun()
    {
        var runs = Runs();
        var sampler = new PairSampler(runs, withCurrent: true, balance: 0, balanceClasses: Task.NonPivots, forgettingShare: 0.5);
        Assert.Equal(4, sampler.ForgettingTransitions);

        var (target, current) = sampler.Draw(4000, new Random(5));
        for (var i = 0; i < target.Length; i++)
        {
            var run = runs.Runs.Single(r => r.Contains((int)target[i]));
            Assert.Contains((int)current![i], run);
            Assert.True(Array.IndexOf(run, (int)current[i]) < Array.IndexOf(run, (int)target[i]), "the current checkpoint must be earlier than the target");
        }

        // Uniform pairs: the target is one of 8 (4 per training run); a run-0 target at position 3 has 2 learned
        // checkpoints among its 3 earlier ones, at position 4 2 of 4, so 1/2 × 1/4 × (2/3 + 1/2) = 7/48 of them are
        // transitions. With the share 0.5: 0.5 + 0.5 × 7/48 = 0.573.
        Assert.InRange(TransitionShare(runs, sampler.Draw(4000, new Random(7))), 0.54, 0.61);
        var uniform = new PairSampler(runs, withCurrent: true, balance: 0, balanceClasses: Task.NonPivots);
        Assert.Equal(0, uniform.ForgettingTransitions);
        Assert.InRange(TransitionShare(runs, uniform.Draw(4000, new Random(7))), 0.12, 0.17);
    }

    private static double TransitionShare(CheckpointRuns runs, (long[] Target, long[]? Current) pairs) =>
        (double)Enumerable.Range(0, pairs.Target.Length).Count(i =>
            runs.LossOf((int)pairs.Current![i], 2) < PairSampler.LearnedLoss && runs.LossOf((int)pairs.Target[i], 2) > PairSampler.ForgottenLoss) / pairs.Target.Length;

    [Fact]
    public void ForgettingPairsNeedAVariantThatSeesTheCurrentCheckpoint()
    {
        var error = Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("tiny", "dihyfo2") with { ForgettingPairs = 0.3 }).Validated());
        Assert.Contains("dihyfo2", error.Message);
        Assert.Contains("0.3", error.Message);
        Assert.Throws<ArgumentException>(() => new PairSampler(Runs(), withCurrent: false, balance: 0, balanceClasses: Task.NonPivots, forgettingShare: 0.3));
        Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("tiny", "dihyfo1") with { ForgettingPairs = 1 }).Validated());
        Assert.Equal(0.3, (HypernetOptions.ForPreset("tiny", "dihyfo1") with { ForgettingPairs = 0.3 }).Validated().ForgettingPairs);
    }
}
