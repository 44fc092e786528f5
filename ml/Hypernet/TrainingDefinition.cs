namespace Lethe.ML.Hypernet;

/// <summary>
/// What a training is, fixed when its folder is created (<c>training.json</c>): its options, the dataset identity
/// (<c>job:rows</c>), the task's name and the parameter normalization fitted on that dataset.
/// </summary>
public sealed record TrainingDefinition(HypernetOptions Options, string Dataset, string Task, float[] Normalization);
