using Lethe.ML.Evaluation;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

public sealed class BaselineTests
{
    public static TheoryData<string> Baselines => new(UnlearningMethodCatalog.Baselines);

    [Theory]
    [MemberData(nameof(Baselines))]
    public async Task Baseline_lowers_forget_accuracy(string name)
    {
        var split = TinyTask.Split([2]);
        using var evaluator = new UnlearningEvaluator(split);
        var before = evaluator.Evaluate(TinyTask.Original).AccuracyForgetTrain;
        var method = UnlearningMethodCatalog.CreateBaseline(name, TinyTask.Recipe);
        var after = evaluator.Evaluate((await TinyTask.Unlearn(method, new UnlearningRequest(TinyTask.Original, split, 3))).Parameters).AccuracyForgetTrain;
        Assert.True(before > 0.8, $"the original model should know class 2 (accuracy {before:F3})");
        Assert.True(after < before / 2, $"{name}: forget accuracy {before:F3} -> {after:F3}");
    }

    [Fact]
    public async Task Same_seed_gives_the_same_unlearned_model()
    {
        var split = TinyTask.Split([2, 3]);
        var first = (await TinyTask.Unlearn(new RandomLabelMethod(), new UnlearningRequest(TinyTask.Original, split, 4))).Parameters;
        var second = (await TinyTask.Unlearn(new RandomLabelMethod(), new UnlearningRequest(TinyTask.Original, split, 4))).Parameters;
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Gradient_baseline_stops_when_validation_forget_accuracy_reaches_the_target()
    {
        var result = await TinyTask.Unlearn(new NegGradMethod(), new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1));
        Assert.Equal("validation forget accuracy reached the target", result.Details["stopped_by"]);
        Assert.Equal(0.0, (double)result.Details["validation_forget_accuracy"]);
        Assert.True((int)result.Details["steps_run"] < 300);
    }

    [Fact]
    public void Retrain_never_shares_the_original_initialisation() =>
        Assert.NotEqual(1, RetrainMethod.FreshSeed(1));

    [Theory]
    [InlineData(new int[0], "The forget set is empty")]
    [InlineData(new[] { 0 }, "contains pivot class 0")]
    [InlineData(new[] { 7 }, "class 7 is not in preset mnist4")]
    public void Invalid_forget_set_is_rejected_with_its_reason(int[] forget, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => ForgetSplit.Create(TinyTask.Data, TinyTask.Split([2]).Preset, forget));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Forget_set_covering_every_class_is_rejected()
    {
        var preset = Lethe.ML.Data.TaskPreset.Mnist4.WithPivots([0]);
        var error = Assert.Throws<ArgumentException>(() => preset.RequireForgetSet([0, 1, 2, 3]));
        Assert.Contains("pivot", error.Message);
        var noPivotCheck = Assert.Throws<ArgumentException>(() => (preset with { Pivots = [] }).RequireForgetSet([0, 1, 2, 3]));
        Assert.Contains("covers every class", noPivotCheck.Message);
    }

    [Fact]
    public async Task Model_of_the_wrong_shape_is_rejected_before_any_work()
    {
        var request = new UnlearningRequest(new float[10], TinyTask.Split([2]), 1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => UnlearningExperiment.RunAsync(
            new RetrainMethod(), request, null!, null!, new Dictionary<string, int>(), "tiny", null, new InlineUnlearningContext(), CancellationToken.None));
        Assert.Contains("The model has 10 parameters; a 784-2-4 MLP of preset mnist4 has 1582", error.Message);
    }

    [Fact]
    public void Unknown_method_is_rejected_with_the_accepted_names()
    {
        var error = Assert.Throws<ArgumentException>(() => UnlearningMethodCatalog.RequireKnown("amnesia"));
        Assert.Contains("retrain, finetune, neggrad, neggrad+, randomlabel, ssd, tasknegation, dihyfo1, dihyfo2", error.Message);
    }

    public static TheoryData<string> MethodsWithEpochs => new(["retrain", "tasknegation"]);

    [Theory]
    [MemberData(nameof(MethodsWithEpochs))]
    public async Task A_cancelled_token_stops_a_baseline_at_the_next_epoch(string name)
    {
        using var cancel = new CancellationTokenSource();
        var seen = new List<UnlearningProgress>();
        var context = new InlineUnlearningContext(p =>
        {
            seen.Add(p);
            if (p.Fraction is > 0 and < 1)
            {
                cancel.Cancel();
            }
        });
        var method = UnlearningMethodCatalog.CreateBaseline(name, TinyTask.Recipe);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => method.UnlearnAsync(new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1), context, cancel.Token));

        // The first epoch's report cancelled the run: no later epoch and no end were reported.
        Assert.Equal(0, seen[0].Fraction);
        Assert.Single(seen, p => p.Fraction > 0);
        Assert.InRange(seen[^1].Fraction, 0.01, 0.99);
    }

    [Theory]
    [MemberData(nameof(Baselines))]
    public async Task Every_baseline_reports_progress_from_zero_to_done(string name)
    {
        var seen = new List<UnlearningProgress>();
        var method = UnlearningMethodCatalog.CreateBaseline(name, TinyTask.Recipe);

        await method.UnlearnAsync(new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 3), new InlineUnlearningContext(seen.Add), CancellationToken.None);

        Assert.NotEmpty(seen);
        Assert.Equal(0, seen[0].Fraction);
        Assert.Equal(1, seen[^1].Fraction);
        Assert.All(seen, p => Assert.InRange(p.Fraction, 0, 1));
        Assert.All(seen, p => Assert.False(string.IsNullOrWhiteSpace(p.Stage)));
    }

    [Fact]
    public async Task A_token_cancelled_before_the_start_runs_nothing()
    {
        var seen = new List<UnlearningProgress>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FinetuneMethod().UnlearnAsync(
            new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1), new InlineUnlearningContext(seen.Add), new CancellationToken(canceled: true)));
        Assert.Empty(seen);
    }
}
