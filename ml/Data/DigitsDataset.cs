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
}
