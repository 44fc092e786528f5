using Lethe.ML.Data;

namespace Lethe.ML.Evaluation;

/// <summary>
/// The sets of one forgetting request (unlearning-methods.md "Sets"): <c>D</c> = the preset's train split minus a
/// stratified validation carve-out, <c>T</c> = the test split, and their retain / forget parts for the forget classes.
/// Every model here — original, retrained, unlearned — trains on (a part of) <c>D</c>; the validation split is held out
/// of all training and is the only data best-of-N selection, stopping rules and method hyper-parameters may look at.
/// </summary>
public sealed class ForgetSplit
{
    public const double DefaultValidationFraction = 0.1;

    /// <summary>Fixed so that every method, bench and report sees the same carve-out.</summary>
    public const int DefaultValidationSeed = 20250601;

    private ForgetSplit(TaskPreset preset, int[] forget, LabeledImages train, LabeledImages validation, LabeledImages test)
    {
        Preset = preset;
        Forget = forget;
        Train = train;
        Validation = validation;
        Test = test;
        var forgetSet = forget.ToHashSet();
        RetainTrain = train.WhereLabel(l => !forgetSet.Contains(l));
        ForgetTrain = train.WhereLabel(forgetSet.Contains);
        RetainTest = test.WhereLabel(l => !forgetSet.Contains(l));
        ForgetTest = test.WhereLabel(forgetSet.Contains);
    }

    public TaskPreset Preset { get; }

    /// <summary>The forget classes, sorted.</summary>
    public int[] Forget { get; }

    public int[] Retain => Preset.Classes.Except(Forget).ToArray();

    /// <summary>D (without the validation carve-out).</summary>
    public LabeledImages Train { get; }

    public LabeledImages Validation { get; }

    /// <summary>T.</summary>
    public LabeledImages Test { get; }

    /// <summary>Dr.</summary>
    public LabeledImages RetainTrain { get; }

    /// <summary>Df.</summary>
    public LabeledImages ForgetTrain { get; }

    /// <summary>Tr.</summary>
    public LabeledImages RetainTest { get; }

    /// <summary>Tf.</summary>
    public LabeledImages ForgetTest { get; }

    public bool IsForgotten(int label) => Array.IndexOf(Forget, label) >= 0;

    /// <summary>
    /// Validates the forget set against the preset (non-empty, known classes, no pivot, not every class) and carves the
    /// validation split out of the preset's train split.
    /// </summary>
    public static ForgetSplit Create(
        DigitsDataset presetData,
        TaskPreset preset,
        IReadOnlyCollection<int> forget,
        double validationFraction = DefaultValidationFraction,
        int validationSeed = DefaultValidationSeed)
    {
        preset.RequireForgetSet(forget);
        if (validationFraction is <= 0 or >= 1)
        {
            throw new ArgumentException($"The validation fraction must be in (0, 1); got {validationFraction}.");
        }

        var unknown = presetData.Train.Labels.Distinct().Where(l => !preset.Classes.Contains(l)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException($"The data holds class {string.Join(", ", unknown)}, which preset {preset.Name} lacks; filter it with DigitsDataset.For(preset).");
        }

        var (validation, train) = presetData.Train.SplitStratified(validationFraction, validationSeed);
        return new ForgetSplit(preset, forget.Distinct().Order().ToArray(), train, validation, presetData.Test);
    }
}
