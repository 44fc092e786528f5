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

    private ForgetSplit(TaskPreset preset, ForgetSet set, LabeledImages train, LabeledImages validation, LabeledImages test)
    {
        Preset = preset;
        Set = set;
        Forget = set.Classes;
        Train = train;
        Validation = validation;
        Test = test;
        if (set.ByClass)
        {
            TrainForgetMask = train.Labels.Select(IsForgotten).ToArray();
        }
        else
        {
            TrainForgetMask = new bool[train.Count];
            foreach (var row in set.Indices(train.Count))
            {
                TrainForgetMask[row] = true;
            }
        }

        TrainRetainRows = Rows(TrainForgetMask, false);
        TrainForgetRows = Rows(TrainForgetMask, true);
        RetainTrain = train.Select(TrainRetainRows);
        ForgetTrain = train.Select(TrainForgetRows);
        RetainTest = test.WhereLabel(l => !IsForgotten(l));
        ForgetTest = test.WhereLabel(IsForgotten);
    }

    public TaskPreset Preset { get; }

    /// <summary>What is forgotten: classes, a random fraction of D or sample indices into D.</summary>
    public ForgetSet Set { get; }

    /// <summary>The forget classes, sorted (empty for random-sample forgetting).</summary>
    public int[] Forget { get; }

    /// <summary>True when samples of D are forgotten rather than classes.</summary>
    public bool BySample => !Set.ByClass;

    /// <summary>The classes whose accuracy should stay: every class for random-sample forgetting.</summary>
    public int[] Retain => Preset.Classes.Except(Forget).ToArray();

    /// <summary>One flag per sample of D: true for the samples of D_f.</summary>
    public bool[] TrainForgetMask { get; }

    /// <summary>The rows of D that are D_r, ascending.</summary>
    public int[] TrainRetainRows { get; }

    /// <summary>The rows of D that are D_f, ascending.</summary>
    public int[] TrainForgetRows { get; }

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

    /// <summary>Whether a label is a forget class (never, for random-sample forgetting: T and the validation split keep every sample).</summary>
    public bool IsForgotten(int label) => Array.IndexOf(Forget, label) >= 0;

    /// <summary>
    /// The samples a stopping rule or a best-of-N selection may measure, with a flag per sample for the forget side:
    /// for class forgetting the validation split (its samples of the forget classes flagged); for random-sample
    /// forgetting the validation split (never trained on: the model's accuracy on unseen data) followed by D_f itself,
    /// flagged, since no held-out sample shares D_f's membership (the InvWNN paper's rule reads UA on D_f).
    /// </summary>
    public (LabeledImages Images, bool[] Forget) Probe()
    {
        if (!BySample)
        {
            return (Validation, Validation.Labels.Select(IsForgotten).ToArray());
        }

        var images = new LabeledImages([.. Validation.Pixels, .. ForgetTrain.Pixels], [.. Validation.Labels, .. ForgetTrain.Labels]);
        return (images, [.. new bool[Validation.Count], .. Enumerable.Repeat(true, ForgetTrain.Count)]);
    }

    private static int[] Rows(bool[] mask, bool want) => Enumerable.Range(0, mask.Length).Where(i => mask[i] == want).ToArray();

    /// <summary>
    /// Validates the forget set against the preset (non-empty, known classes, no pivot, not every class) and carves the
    /// validation split out of the preset's train split.
    /// </summary>
    public static ForgetSplit Create(
        DigitsDataset presetData,
        TaskPreset preset,
        IReadOnlyCollection<int> forget,
        double validationFraction = DefaultValidationFraction,
        int validationSeed = DefaultValidationSeed) =>
        Create(presetData, preset, ForgetSet.OfClasses(forget), validationFraction, validationSeed);

    /// <summary>
    /// Validates the forget set (a class set against the preset; sample indices against D once it is carved) and carves
    /// the validation split out of the preset's train split.
    /// </summary>
    public static ForgetSplit Create(
        DigitsDataset presetData,
        TaskPreset preset,
        ForgetSet forget,
        double validationFraction = DefaultValidationFraction,
        int validationSeed = DefaultValidationSeed)
    {
        forget.Validated(preset);
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
        return new ForgetSplit(preset, forget, train, validation, presetData.Test);
    }
}
