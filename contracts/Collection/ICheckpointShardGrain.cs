namespace Lethe.Contracts.Collection;

/// <summary>
/// One shard of a job (key <c>{jobId}/{index}</c>): trains its runs, writes their checkpoints to the artifact store
/// under a temporary name, records the SHA-256, then commits. It is visible only complete, and re-running it after a
/// crash yields the same bytes because every run is deterministic.
/// </summary>
[Alias("lethe.ICheckpointShardGrain")]
public interface ICheckpointShardGrain : IGrainWithStringKey
{
    /// <summary>Starts sealing the shard and returns at once; idempotent.</summary>
    [Alias("Start")]
    Task<ShardProgress> Start(CollectionJobSpec spec);

    [Alias("GetProgress")]
    Task<ShardProgress> GetProgress();

    [Alias("Resume")]
    Task Resume();

    /// <summary>Forgets the shard (its dataset was deleted), so a new collection of the job computes it again.</summary>
    [Alias("Forget")]
    Task Forget();
}
