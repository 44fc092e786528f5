namespace Lethe.Contracts.Collection;

/// <summary>Answer to a poll of a run: its checkpoints once trained, and meanwhile how many epochs it has done.</summary>
[GenerateSerializer, Immutable, Alias("lethe.run-training-update")]
public sealed record RunTrainingUpdate(
    [property: Id(0)] RunCheckpoints? Checkpoints,
    [property: Id(1)] int EpochsDone);
