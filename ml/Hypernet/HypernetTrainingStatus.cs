namespace Lethe.ML.Hypernet;

/// <summary>Where a training stands; written to <c>status.json</c> (<see cref="TrainingFolder.WriteStatus"/>) after every call that trains.</summary>
public sealed record HypernetTrainingStatus(
    string Variant,
    string Preset,
    int Step,
    int Steps,
    double TrainLoss,
    double HeldOutLoss,
    double LearningRate,
    double ElapsedSeconds,
    double SamplesPerSecond,
    string? BestVersion,
    double? BestScore,
    string? LatestVersion,
    IReadOnlyDictionary<string, double>? LatestAlignment,
    IReadOnlyDictionary<string, double>? LatestPearson)
{
    public bool Done => Step >= Steps;
}
