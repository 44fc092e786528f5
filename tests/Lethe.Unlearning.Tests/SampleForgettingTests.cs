using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Nets;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

/// <summary>Random-sample forgetting: the forget set of a fraction or of indices, its split, its probe, its metrics and a request end to end.</summary>
public sealed class SampleForgettingTests
{
    [Fact]
    public void A_fraction_draws_that_share_of_D_from_its_seed_and_splits_D_into_the_drawn_and_the_rest()
    {
        var split = ForgetSplit.Create(TinyTask.Data, TaskPreset.Mnist4, ForgetSet.OfFraction(0.1, seed: 4));
        var d = split.Train.Count;
        var rows = ForgetSet.OfFraction(0.1, 4).Indices(d);
        Assert.Equal((int)Math.Round(0.1 * d), rows.Length);
        Assert.Equal(rows, rows.Distinct().Order());
        Assert.Equal(rows, ForgetSet.OfFraction(0.1, 4).Indices(d));
        Assert.NotEqual(rows, ForgetSet.OfFraction(0.1, 5).Indices(d));

        Assert.True(split.BySample);
        Assert.Empty(split.Forget);
        Assert.Equal(TaskPreset.Mnist4.Classes, split.Retain);
        Assert.Equal(rows.Length, split.ForgetTrain.Count);
        Assert.Equal(d - rows.Length, split.RetainTrain.Count);
        Assert.Equal(rows.SelectMany(i => split.Train.Pixels.Skip(i * TaskPreset.ImageSize).Take(TaskPreset.ImageSize)), split.ForgetTrain.Pixels);
        Assert.Equal(rows.Select(i => split.Train.Labels[i]), split.ForgetTrain.Labels);
        Assert.Equal(split.Test.Count, split.RetainTest.Count);
        Assert.Equal(0, split.ForgetTest.Count);
    }

    [Fact]
    public void Sample_indices_name_exactly_those_rows_of_D_and_bad_indices_are_refused_by_what_is_wrong()
    {
        var split = ForgetSplit.Create(TinyTask.Data, TaskPreset.Mnist4, ForgetSet.OfSamples([7, 3, 11]));
        Assert.Equal([split.Train.Labels[3], split.Train.Labels[7], split.Train.Labels[11]], split.ForgetTrain.Labels);
        Assert.Equal([false, false, false, true, false, false, false, true], split.TrainForgetMask[..8]);

        var d = split.Train.Count;
        Assert.Contains($"outside the training set D, which has {d} samples", Assert.Throws<ArgumentException>(() =>
            ForgetSplit.Create(TinyTask.Data, TaskPreset.Mnist4, ForgetSet.OfSamples([1, d]))).Message);
        Assert.Contains("repeat (5)", Assert.Throws<ArgumentException>(() => ForgetSet.OfSamples([5, 2, 5])).Message);
        Assert.Contains("-1 is negative", Assert.Throws<ArgumentException>(() => ForgetSet.OfSamples([3, -1])).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => ForgetSet.OfSamples([])).Message);
        Assert.Contains("strictly between 0 and 1", Assert.Throws<ArgumentException>(() => ForgetSet.OfFraction(1, 1)).Message);
        Assert.Contains("strictly between 0 and 1", Assert.Throws<ArgumentException>(() => ForgetSet.OfFraction(0, 1)).Message);
        Assert.Contains("strictly between 0 and 1", Assert.Throws<ArgumentException>(() => ForgetSet.OfFraction(double.NaN, 1)).Message);
        Assert.Contains("one way", Assert.Throws<ArgumentException>(() => ForgetSet.Of([2], null, [1, 2], 1)).Message);
        Assert.Contains("one way", Assert.Throws<ArgumentException>(() => ForgetSet.Of([2], 0.1, null, 1)).Message);
        Assert.Contains("at least one sample must be retained", Assert.Throws<ArgumentException>(() =>
            ForgetSplit.Create(TinyTask.Data, TaskPreset.Mnist4, ForgetSet.OfSamples(Enumerable.Range(0, d).ToArray()))).Message);
    }

    [Fact]
    public void The_forget_set_keys_tell_sets_apart()
    {
        Assert.Equal("2-3", ForgetSet.OfClasses([3, 2]).Key);
        Assert.Equal("random10-seed4", ForgetSet.OfFraction(0.1, 4).Key);
        Assert.Equal("random 50%", ForgetSet.OfFraction(0.5, 4).Name);
        Assert.NotEqual(ForgetSet.OfSamples([1, 2, 3]).Key, ForgetSet.OfSamples([1, 2, 4]).Key);
        Assert.Equal(ForgetSet.OfSamples([3, 1, 2]).Key, ForgetSet.OfSamples([1, 2, 3]).Key);
        Assert.Equal("3 samples", ForgetSet.OfSamples([3, 1, 2]).Name);
    }

    [Fact]
    public void The_probe_measures_D_f_itself_on_the_forget_side_and_the_validation_split_on_the_other()
    {
        var split = ForgetSplit.Create(TinyTask.Data, TaskPreset.Mnist4, ForgetSet.OfFraction(0.2, seed: 2));
        using var probe = new ValidationProbe(split);
        Assert.Equal(split.ForgetTrain.Count, probe.ForgetCount);
        Assert.Equal(split.Validation.Count, probe.RetainCount);

        // The evaluator's acc_Df is the same quantity on the same samples.
        using var evaluator = new UnlearningEvaluator(split);
        var metrics = evaluator.Evaluate(TinyTask.Original);
        var (forget, _) = probe.Accuracy(TinyTask.Original);
        Assert.Equal(metrics.AccuracyForgetTrain, forget, 6);
        Assert.Equal(metrics.AccuracyTest, metrics.AccuracyRetainTest);
    }

    [Fact]
    public async Task A_random_sample_request_runs_end_to_end_and_its_stopping_target_is_the_originals_accuracy_on_unseen_data()
    {
        var split = ForgetSplit.Create(TinyTask.Data, TaskPreset.Mnist4, ForgetSet.OfFraction(0.1, seed: 1));
        using (var probe = new ValidationProbe(split))
        {
            Assert.Equal(probe.Accuracy(TinyTask.Original).Retain, UnlearningPipeline.StoppingTarget(split, TinyTask.Original));
        }

        Assert.Equal(0, UnlearningPipeline.StoppingTarget(TinyTask.Split([2]), TinyTask.Original));
        var run = await UnlearningPipeline.RunAsync(
            new UnlearningPipelineInput(TinyTask.Original, TaskPreset.Mnist4, ForgetSet.OfFraction(0.1, 1), 1, "npm", new NegGradMethod()),
            new InlineUnlearningContext(), CancellationToken.None);
        Assert.Equal("random 10%", run.Report.ForgetSet);
        Assert.Equal(split.ForgetTrain.Count, run.Report.ForgetSamples);
        Assert.Empty(run.Report.Forget);
        Assert.Equal(ParameterLayout.For(TaskPreset.Mnist4.Architecture).Count, run.Parameters.Length);
        // neggrad ascends on D_f until its accuracy there is at most the target (or its step cap).
        var target = (double)run.Report.Details["target_forget_accuracy"];
        Assert.True(run.Report.Unlearned.AccuracyForgetTrain <= Math.Max(target + 0.05, run.Report.Original!.AccuracyForgetTrain),
            $"acc_Df {run.Report.Unlearned.AccuracyForgetTrain} against target {target}");
        Assert.Contains("random 10% (", run.Report.ToMarkdown());
    }

    [Fact]
    public async Task DiHyFo_refuses_samples_and_says_which_methods_forget_them()
    {
        var input = new UnlearningPipelineInput(TinyTask.Original, TaskPreset.Mnist4, ForgetSet.OfFraction(0.1, 1), 1, "npm",
            new DiHyFoMethod(2, new DelegateCandidateSampler((_, _, _) => throw new InvalidOperationException("never sampled")), null!, candidates: 1));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => UnlearningPipeline.RunAsync(input, new InlineUnlearningContext(), CancellationToken.None));
        Assert.Contains("forgets classes, not individual samples", error.Message);
        Assert.Contains("invwnn", error.Message);
    }

    [Fact]
    public void A_small_training_set_is_a_stratified_subset_of_the_train_split()
    {
        var small = TinyTask.Data.WithTrainSamples(400);
        Assert.InRange(small.Train.Count, 396, 404);
        Assert.Equal(TinyTask.Data.Test.Count, small.Test.Count);
        foreach (var c in TaskPreset.Mnist4.Classes)
        {
            Assert.InRange(small.Train.CountOf(c) / (double)small.Train.Count, TinyTask.Data.Train.CountOf(c) / (double)TinyTask.Data.Train.Count - 0.01, TinyTask.Data.Train.CountOf(c) / (double)TinyTask.Data.Train.Count + 0.01);
        }

        Assert.Throws<ArgumentException>(() => TinyTask.Data.WithTrainSamples(3));
    }
}
