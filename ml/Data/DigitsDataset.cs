namespace Lethe.ML.Data;

/// <summary>A train split (D) and a test split (T) of digit images, and where they came from.</summary>
public sealed record DigitsDataset(LabeledImages Train, LabeledImages Test, string Source)
{
    /// <summary>Only the classes of a preset.</summary>
    public DigitsDataset For(TaskPreset preset)
    {
        var classes = preset.Classes.ToHashSet();
        return new DigitsDataset(Train.WhereLabel(classes.Contains), Test.WhereLabel(classes.Contains), $"{Source}, {preset.Name}");
    }

    /// <summary>
    /// The same test split with a stratified subset of about <paramref name="count"/> train samples (drawn with a fixed
    /// seed, so every run sees the same subset): a small D that a task net memorises, which makes random-sample
    /// forgetting measurable (the InvWNN paper's setting trains to ~100% train accuracy).
    /// </summary>
    public DigitsDataset WithTrainSamples(int count, int seed = 20251204)
    {
        if (count < 2 * Train.Labels.Distinct().Count() || count > Train.Count)
        {
            throw new ArgumentException($"The train subset must hold between {2 * Train.Labels.Distinct().Count()} (two per class) and {Train.Count} samples (the whole train split); got {count}.");
        }

        var (subset, _) = Train.SplitStratified(count / (double)Train.Count, seed);
        return new DigitsDataset(subset, Test, $"{Source}, {subset.Count} train samples");
    }
}
