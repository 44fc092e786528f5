namespace Lethe.ML.Hypernet;

/// <summary>
/// What a training is, fixed when its folder is created (<c>training.json</c>): its options, the dataset identity
/// (<c>job:rows</c>), the task's name, the parameter normalization fitted on that dataset and the hypernetwork it was
/// warm-started from (null without one, and in definitions written before warm starts were recorded here).
/// </summary>
public sealed record TrainingDefinition(HypernetOptions Options, string Dataset, string Task, float[] Normalization, string? WarmStart = null);
