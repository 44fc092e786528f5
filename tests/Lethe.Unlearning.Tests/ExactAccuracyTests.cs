using Lethe.ML.Evaluation;
using Lethe.ML.Nets;

namespace Lethe.Unlearning.Tests;

/// <summary>An accuracy is a count of correct samples over a total, never a float mean that drifts past 1.</summary>
public sealed class ExactAccuracyTests
{
    [Fact]
    public void A_class_whose_every_test_sample_is_right_reads_exactly_one_in_the_report_metrics()
    {
        var split = TinyTask.Split([2]);
        using var evaluator = new UnlearningEvaluator(split);

        var metrics = evaluator.Evaluate(AlwaysPredicts(split, 0));

        Assert.Equal([1.0, 0.0, 0.0, 0.0], metrics.ClassAccuracyTest);
        Assert.Equal(split.Test.CountOf(0) / (double)split.Test.Count, metrics.AccuracyTest);
    }

    [Fact]
    public void Validation_accuracies_are_counts_of_correct_samples_over_the_samples_measured()
    {
        var split = TinyTask.Split([2]);
        using var probe = new ValidationProbe(split);
        var validation = split.Validation;

        var (forgetOfClass0, retainOfClass0) = probe.Accuracy(AlwaysPredicts(split, 0));
        var (forgetOfClass2, retainOfClass2) = probe.Accuracy(AlwaysPredicts(split, 2));

        Assert.Equal(0.0, forgetOfClass0);
        Assert.Equal(validation.CountOf(0) / (double)probe.RetainCount, retainOfClass0);
        Assert.Equal(1.0, forgetOfClass2);
        Assert.Equal(0.0, retainOfClass2);
    }

    /// <summary>A net whose weights are all zero and whose output bias picks <paramref name="label"/> for every image.</summary>
    private static float[] AlwaysPredicts(ForgetSplit split, int label)
    {
        var layout = ParameterLayout.For(split.Preset.Architecture);
        var flat = new float[layout.Count];
        flat[layout["fc2.bias"].Offset + label] = 1f;
        return flat;
    }
}
