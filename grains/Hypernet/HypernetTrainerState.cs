using Lethe.Contracts.Hypernet;

namespace Lethe.Grains.Hypernet;

[GenerateSerializer, Alias("lethe.hypernet-trainer-state")]
public sealed class HypernetTrainerState
{
    [Id(0)] public HypernetTrainingRequest? Request { get; set; }

    [Id(1)] public HypernetTrainingState State { get; set; }

    [Id(2)] public string? Error { get; set; }

    [Id(3)] public DateTimeOffset? StartedUtc { get; set; }

    [Id(4)] public DateTimeOffset? FinishedUtc { get; set; }

    [Id(5)] public int Step { get; set; }

    [Id(6)] public int Steps { get; set; }

    [Id(7)] public double TrainLoss { get; set; } = double.NaN;

    [Id(8)] public double HeldOutLoss { get; set; } = double.NaN;

    [Id(9)] public TrainingCheckpoint? Checkpoint { get; set; }

    /// <summary>Versions already in the model registry, so a resumed training does not publish them twice.</summary>
    [Id(10)] public List<string> Published { get; set; } = [];

    [Id(11)] public string? BestVersion { get; set; }

    [Id(12)] public double? BestScore { get; set; }

    [Id(13)] public string? LatestVersion { get; set; }
}
