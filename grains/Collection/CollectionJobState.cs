using Lethe.Contracts.Collection;

namespace Lethe.Grains.Collection;

/// <summary>Persisted state of a job: small by design (spec, status, shard references), never checkpoint arrays.</summary>
[GenerateSerializer, Alias("lethe.collection-job-state")]
public sealed class CollectionJobState
{
    [Id(0)] public CollectionJobSpec? Spec { get; set; }

    [Id(1)] public JobStatus Status { get; set; }

    [Id(2)] public Dictionary<int, CheckpointShardManifest> Sealed { get; set; } = [];

    [Id(3)] public string? Error { get; set; }

    [Id(4)] public DateTimeOffset? StartedUtc { get; set; }

    [Id(5)] public DateTimeOffset? FinishedUtc { get; set; }
}
