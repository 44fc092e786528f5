using Lethe.Contracts.Collection;

namespace Lethe.Grains.Collection;

[GenerateSerializer, Alias("lethe.checkpoint-shard-state")]
public sealed class CheckpointShardState
{
    [Id(0)] public CollectionJobSpec? Spec { get; set; }

    [Id(1)] public ShardStatus Status { get; set; }

    /// <summary>The manifest of the bytes staged but maybe not committed yet; its SHA-256 is what a commit must match.</summary>
    [Id(2)] public CheckpointShardManifest? Staged { get; set; }

    [Id(3)] public string? Error { get; set; }
}
