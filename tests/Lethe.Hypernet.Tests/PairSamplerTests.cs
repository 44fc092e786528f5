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
    private static CheckpointRuns Runs() => ClassTwoRuns([[2.0f, 0.2f, 0.3f, 1.5f, 2.5f], [2.0f, 1.9f, 1.8f, 2.1f, 2.2f], [1f, 1f]]);

    /// <summary>
    /// One run per row of <paramref name="class2"/> (its checkpoints' class-2 test losses, 10 steps apart, each run from
    /// its own initialisation), the other classes at 0.1; the training part of a 30% hold-out (the last run).
    /// </summary>
    private static CheckpointRuns ClassTwoRuns(float[][] class2)
    {
        var layout = ParameterLayout.For(Task.Architecture);
        var builder = new CheckpointBatchBuilder(layout.Count, Task.Classes.Length);
        for (var run = 0; run < class2.Length; run++)
        {
            for (var k = 0; k < class2[run].Length; k++)
            {
                float[] loss = [0.1f, 0.1f, class2[run][k], 0.1f];
                builder.Add(run, k * 10, k, layout.InitialParameters(run), loss, loss.Select(l => (float)Math.Exp(-l)).ToArray());
            }
        }

        return TrainingPart(builder, heldOutFraction: 0.3);
    }

    private static CheckpointRuns TrainingPart(CheckpointBatchBuilder builder, double heldOutFraction)
    {
        var layout = ParameterLayout.For(Task.Architecture);
        var normalizer = new ParameterNormalizer(layout, Enumerable.Repeat(1f, layout.Tensors.Count).ToArray());
        return CheckpointRuns.Split(builder.Build(), normalizer, perClassLosses: true, heldOutFraction: heldOutFraction).Train;
    }

    [Fact]
    public void Forgetting_share_draws_learned_then_forgotten_pairs_of_one_run()
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

    /// <summary>
    /// Runs 0 and 1 start from the same initialisation: run 0 learns class 2 (losses 2.0, 0.2, 0.1 at steps 0, 10, 20),
    /// its twin never does (2.0, 1.8, 2.5), so the twin transitions are (run 0 step 10 → twin steps 10 and 20) and (step
    /// 20 → step 20). Run 2 starts elsewhere and learns it too; run 3 is held out.
    /// </summary>
    private static CheckpointRuns TwinRuns()
    {
        var layout = ParameterLayout.For(Task.Architecture);
        var builder = new CheckpointBatchBuilder(layout.Count, Task.Classes.Length);
        (int Seed, float[] Class2)[] runs = [(10, [2.0f, 0.2f, 0.1f]), (10, [2.0f, 1.8f, 2.5f]), (11, [2.0f, 0.3f, 0.2f]), (12, [2.0f, 0.3f])];
        for (var run = 0; run < runs.Length; run++)
        {
            for (var k = 0; k < runs[run].Class2.Length; k++)
            {
                float[] loss = [0.1f, 0.1f, runs[run].Class2[k], 0.1f];
                var parameters = layout.InitialParameters(runs[run].Seed).Select(p => p * (1 + k)).ToArray();
                builder.Add(run, k * 10, k, parameters, loss, loss.Select(l => (float)Math.Exp(-l)).ToArray());
            }
        }

        return TrainingPart(builder, heldOutFraction: 0.1);
    }

    [Fact]
    public void Twin_share_draws_pairs_from_a_learned_checkpoint_to_its_retrained_twin_at_the_same_or_a_later_step()
    {
        var runs = TwinRuns();
        Assert.Equal([(0, 1)], PairSampler.FindTwins(runs));
        var sampler = new PairSampler(runs, withCurrent: true, balance: 0, balanceClasses: Task.NonPivots, twinShare: 0.5);
        Assert.Equal(3, sampler.TwinTransitions);

        var (target, current) = sampler.Draw(4000, new Random(3));
        var expected = new[] { (1, 4), (1, 5), (2, 5) };   // rows: run 0 is 0-2, run 1 is 3-5, run 2 is 6-8
        var crossRun = Enumerable.Range(0, target.Length).Where(i => !runs.Runs.Any(r => r.Contains((int)target[i]) && r.Contains((int)current![i]))).ToArray();
        Assert.All(crossRun, i => Assert.Contains(((int)current![i], (int)target[i]), expected));
        Assert.InRange(crossRun.Length / 4000.0, 0.46, 0.54);
        Assert.Equal(expected.Length, crossRun.Select(i => (current![i], target[i])).Distinct().Count());
    }

    [Fact]
    public void Twin_pairs_on_a_dataset_without_twins_are_refused_naming_the_collection_option()
    {
        var error = Assert.Throws<InvalidDataException>(() => new PairSampler(Runs(), withCurrent: true, balance: 0, balanceClasses: Task.NonPivots, twinShare: 0.3));
        Assert.Contains("--retrained-twins", error.Message);
        Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("tiny", "dihyfo2") with { TwinPairs = 0.3 }).Validated());
        Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("tiny", "dihyfo1") with { TwinPairs = 0.5, ForgettingPairs = 0.5 }).Validated());
        Assert.Equal(0.3, (HypernetOptions.ForPreset("tiny", "dihyfo1") with { TwinPairs = 0.3 }).Validated().TwinPairs);
    }

    [Fact]
    public void Cross_share_pairs_a_checkpoint_that_learned_a_class_with_one_of_another_run_that_never_did()
    {
        // Run 0 (rows 0-4) has class 2 learned at rows 1 and 2; run 1 (rows 5-9) never learns it, its pivots learned.
        // Run 0's own forgotten rows (0, 3, 4) are of the same run and a run's first checkpoint is never a target, so
        // every cross pair is {1, 2} → {6..9}: 8 pairs.
        var runs = Runs();
        var sampler = new PairSampler(runs, withCurrent: true, balance: 0, balanceClasses: Task.NonPivots, crossShare: 0.5);
        Assert.Equal(1, sampler.CrossClasses);

        var (target, current) = sampler.Draw(4000, new Random(11));
        var crossRun = Enumerable.Range(0, target.Length).Where(i => !runs.Runs.Any(r => r.Contains((int)target[i]) && r.Contains((int)current![i]))).ToArray();
        Assert.All(crossRun, i =>
        {
            Assert.Contains((int)current![i], new[] { 1, 2 });
            Assert.Contains((int)target[i], runs.Runs[1][1..]);
        });
        Assert.InRange(crossRun.Length / 4000.0, 0.46, 0.54);
        Assert.Equal(8, crossRun.Select(i => (current![i], target[i])).Distinct().Count());

        Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("tiny", "dihyfo2") with { CrossPairs = 0.3 }).Validated());
        Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("tiny", "dihyfo1") with { CrossPairs = 0.5, ForgettingPairs = 0.5 }).Validated());
        Assert.Throws<ArgumentException>(() => new PairSampler(runs, withCurrent: false, balance: 0, balanceClasses: Task.NonPivots, crossShare: 0.3));
        Assert.Equal(0.3, (HypernetOptions.ForPreset("tiny", "dihyfo1") with { CrossPairs = 0.3 }).Validated().CrossPairs);
    }

    [Fact]
    public void Cross_pairs_without_a_class_learned_in_one_run_and_never_in_another_are_refused()
    {
        // Every checkpoint of every run has every class learned: no target for a cross pair.
        var runs = ClassTwoRuns([[0.2f, 0.2f, 0.2f], [0.2f, 0.2f, 0.2f], [0.2f, 0.2f, 0.2f]]);
        var error = Assert.Throws<InvalidDataException>(() => new PairSampler(runs, withCurrent: true, balance: 0, balanceClasses: Task.NonPivots, crossShare: 0.3));
        Assert.Contains("Cross pairs", error.Message);
    }

    private static double TransitionShare(CheckpointRuns runs, (long[] Target, long[]? Current) pairs) =>
        (double)Enumerable.Range(0, pairs.Target.Length).Count(i =>
            runs.LossOf((int)pairs.Current![i], 2) < PairSampler.LearnedLoss && runs.LossOf((int)pairs.Target[i], 2) > PairSampler.ForgottenLoss) / pairs.Target.Length;

    [Fact]
    public void Forgetting_pairs_need_a_variant_that_sees_the_current_checkpoint()
    {
        var error = Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("tiny", "dihyfo2") with { ForgettingPairs = 0.3 }).Validated());
        Assert.Contains("dihyfo2", error.Message);
        Assert.Contains("0.3", error.Message);
        Assert.Throws<ArgumentException>(() => new PairSampler(Runs(), withCurrent: false, balance: 0, balanceClasses: Task.NonPivots, forgettingShare: 0.3));
        Assert.Throws<ArgumentException>(() => (HypernetOptions.ForPreset("tiny", "dihyfo1") with { ForgettingPairs = 1 }).Validated());
        Assert.Equal(0.3, (HypernetOptions.ForPreset("tiny", "dihyfo1") with { ForgettingPairs = 0.3 }).Validated().ForgettingPairs);
    }
}
