namespace Lethe.Contracts.Collection;

[GenerateSerializer, Immutable, Alias("lethe.shard-progress")]
public sealed record ShardProgress(
    [property: Id(0)] ShardStatus Status,
    [property: Id(1)] int RunsTrained,
    [property: Id(2)] int Runs,
    [property: Id(3)] CheckpointShardManifest? Manifest,
    [property: Id(4)] string? Error,
    [property: Id(5)] long RunEpochsDone);
