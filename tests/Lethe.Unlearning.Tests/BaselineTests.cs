using Lethe.ML.Evaluation;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

public sealed class BaselineTests
{
    public static TheoryData<string> Baselines => new(UnlearningMethodCatalog.Baselines);

    [Theory]
    [MemberData(nameof(Baselines))]
    public void BaselineLowersForgetAccuracy(string name)
    {
        var split = TinyTask.Split([2]);
        using var evaluator = new UnlearningEvaluator(split);
        var before = evaluator.Evaluate(TinyTask.Original).AccuracyForgetTrain;
        var method = UnlearningMethodCatalog.CreateBaseline(name, TinyTask.Recipe);
        var after = evaluator.Evaluate(method.Unlearn(new UnlearningRequest(TinyTask.Original, split, 3)).Parameters).AccuracyForgetTrain;
        Assert.True(before > 0.8, $"the original model should know class 2 (accuracy {before:F3})");
        Assert.True(after < before / 2, $"{name}: forget accuracy {before:F3} -> {after:F3}");
    }

    [Fact]
    public void SameSeedGivesTheSameUnlearnedModel()
    {
        var split = TinyTask.Split([2, 3]);
        var first = new RandomLabelMethod().Unlearn(new UnlearningRequest(TinyTask.Original, split, 4)).Parameters;
        var second = new RandomLabelMethod().Unlearn(new UnlearningRequest(TinyTask.Original, split, 4)).Parameters;
        Assert.Equal(first, second);
    }

    [Fact]
    public void GradientBaselineStopsWhenValidationForgetAccuracyReachesTheTarget()
    {
        var result = new NegGradMethod().Unlearn(new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1));
        Assert.Equal("validation forget accuracy reached the target", result.Details["stopped_by"]);
        Assert.Equal(0.0, (double)result.Details["validation_forget_accuracy"]);
        Assert.True((int)result.Details["steps_run"] < 300);
    }

    [Fact]
    public void RetrainNeverSharesTheOriginalInitialisation() =>
        Assert.NotEqual(1, RetrainMethod.FreshSeed(1));

    [Theory]
    [InlineData(new int[0], "The forget set is empty")]
    [InlineData(new[] { 0 }, "contains pivot class 0")]
    [InlineData(new[] { 7 }, "class 7 is not in preset mnist4")]
    public void InvalidForgetSetIsRejectedWithItsReason(int[] forget, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => ForgetSplit.Create(TinyTask.Data, TinyTask.Split([2]).Preset, forget));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void ForgetSetCoveringEveryClassIsRejected()
    {
        var preset = Lethe.ML.Data.TaskPreset.Mnist4.WithPivots([0]);
        var error = Assert.Throws<ArgumentException>(() => preset.RequireForgetSet([0, 1, 2, 3]));
        Assert.Contains("pivot", error.Message);
        var noPivotCheck = Assert.Throws<ArgumentException>(() => (preset with { Pivots = [] }).RequireForgetSet([0, 1, 2, 3]));
        Assert.Contains("covers every class", noPivotCheck.Message);
    }

    [Fact]
    public void ModelOfTheWrongShapeIsRejectedBeforeAnyWork()
    {
        var request = new UnlearningRequest(new float[10], TinyTask.Split([2]), 1);
        var error = Assert.Throws<ArgumentException>(() => UnlearningExperiment.Run(
            new RetrainMethod(), request, null!, null!, new Dictionary<string, int>(), "tiny"));
        Assert.Contains("The model has 10 parameters; a 784-2-4 MLP of preset mnist4 has 1582", error.Message);
    }

    [Fact]
    public void UnknownMethodIsRejectedWithTheAcceptedNames()
    {
        var error = Assert.Throws<ArgumentException>(() => UnlearningMethodCatalog.RequireKnown("amnesia"));
        Assert.Contains("retrain, finetune, neggrad, neggrad+, randomlabel, ssd, tasknegation, dihyfo1, dihyfo2", error.Message);
    }
}
