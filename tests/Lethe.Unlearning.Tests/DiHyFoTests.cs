using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

public sealed class DiHyFoTests
{
    private static readonly Lazy<float[]> Retrained = new(() =>
        OriginalModelTrainer.Train(TinyTask.Split([2]).RetainTrain, TaskPreset.Mnist4.Architecture, TinyTask.Recipe, seed: 31));

    /// <summary>Losses per class 0..3 of six checkpoints; class 2 never learned in rows 3-5 (accuracy 0, pivots accurate).</summary>
    private static CheckpointBatch Checkpoints()
    {
        float[] loss =
        [
            0.1f, 0.1f, 0.2f, 0.3f,
            0.2f, 0.1f, 0.4f, 0.5f,
            0.3f, 0.2f, 0.6f, 0.7f,
            0.1f, 0.1f, 5.0f, 0.3f,
            0.1f, 0.2f, 7.0f, 0.4f,
            0.2f, 0.1f, 9.0f, 0.2f,
        ];
        float[] acc =
        [
            0.99f, 0.99f, 0.95f, 0.9f,
            0.98f, 0.99f, 0.9f, 0.85f,
            0.95f, 0.97f, 0.8f, 0.8f,
            0.99f, 0.99f, 0f, 0.9f,
            0.99f, 0.98f, 0f, 0.9f,
            0.97f, 0.99f, 0f, 0.95f,
        ];
        var p = ParameterLayout.For(TaskPreset.Mnist4.Architecture).Count;
        return new CheckpointBatch(6, p, 4, new float[6 * p], loss, acc, [0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], [0, 0, 0, 0, 0, 0]);
    }

    [Fact]
    public void PromptTakesRetainLossesAtALowQuantileAndForgetLossesFromNeverLearnedCheckpoints()
    {
        var prompt = TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4, retainQuantile: 0, forgetQuantile: 0.5);
        Assert.Equal(0.2f, prompt.RetainTarget[2]);
        Assert.Equal(7.0f, prompt.ForgetTarget[2]);
        Assert.Equal(3, prompt.ForgetEvidence[2]);
        Assert.False(prompt.ForgetFallback[2]);
        Assert.True(prompt.ForgetFallback[3], "class 3 is learned in every checkpoint");
        Assert.Equal([0.1f, 0.1f, 7.0f, 0.2f], prompt.For([2]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SelectionKeepsTheCandidateWithZeroForgetAccuracyAndTheBestRetainAccuracy(int variant)
    {
        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        // Candidates: the original (knows class 2), an all-zero net (always predicts class 0: forgets 2 but keeps
        // little), a model retrained without class 2 (forgets 2, keeps the rest), random initialisation.
        float[][] candidates = [TinyTask.Original, new float[layout.Count], Retrained.Value, layout.InitialParameters(9)];
        SamplingConditions? seen = null;
        var sampler = new DelegateParameterSampler((conditions, count, seed) =>
        {
            seen = conditions;
            return candidates;
        });
        var prompt = TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4);
        var method = new DiHyFoMethod(variant, sampler, prompt, candidates: 4);
        var result = method.Unlearn(new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1));

        Assert.Equal(2, result.Details["selected_candidate"]);
        Assert.Same(candidates[2], result.Parameters);
        Assert.Equal(0.0, (double)result.Details["validation_forget_accuracy"]);
        Assert.Equal(prompt.For([2]), seen!.TargetLosses);
        Assert.Equal(variant == 1, seen.CurrentParameters is not null);
        Assert.Equal(variant == 1 ? 4 : 0, seen.CurrentLosses?.Length ?? 0);
        Assert.Equal($"dihyfo{variant}", method.Name);
    }

    [Fact]
    public void DiHyFoOneConditionsOnTheModelsCurrentValidationLosses()
    {
        SamplingConditions? seen = null;
        var sampler = new DelegateParameterSampler((conditions, count, seed) =>
        {
            seen = conditions;
            return [TinyTask.Original];
        });
        var split = TinyTask.Split([2]);
        new DiHyFoMethod(1, sampler, TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4), candidates: 1)
            .Unlearn(new UnlearningRequest(TinyTask.Original, split, 1));
        using var probe = new ValidationProbe(split);
        Assert.Equal(probe.ClassLosses(TinyTask.Original), seen!.CurrentLosses);
        Assert.Equal(TinyTask.Original, seen.CurrentParameters);
    }

    [Fact]
    public void SamplerRowsOfTheWrongLengthAreRejected()
    {
        var sampler = new DelegateParameterSampler((_, _, _) => [new float[5]]);
        var method = new DiHyFoMethod(2, sampler, TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4), candidates: 1);
        var error = Assert.Throws<InvalidDataException>(() => method.Unlearn(new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1)));
        Assert.Contains("1582 parameters (784-2-4)", error.Message);
    }

    [Fact]
    public void CandidateSelectionPrefersLowerForgetAccuracyThenHigherRetainAccuracy()
    {
        Assert.Equal(2, CandidateSelection.Best([0.5, 0.0, 0.0, 0.1], [0.99, 0.6, 0.9, 0.99]));
    }
}
