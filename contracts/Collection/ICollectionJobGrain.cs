namespace Lethe.Contracts.Collection;

/// <summary>
/// A checkpoint-collection job, keyed by the hash of its spec (the engine's <c>CollectionSpec.Id</c>). Every call returns
/// at once; the work runs in the background, persists its progress, and a reminder resumes it after a silo dies.
/// </summary>
[Alias("lethe.ICollectionJobGrain")]
public interface ICollectionJobGrain : IGrainWithStringKey
{
    /// <summary>Validates the spec and records the plan; a spec already planned keeps its progress.</summary>
    /// <exception cref="ArgumentException">The spec is invalid or does not hash to this grain's key.</exception>
    [Alias("Plan")]
    Task<JobPlan> Plan(CollectionJobSpec spec);

    /// <summary>Starts (or continues) the planned work and returns at once.</summary>
    [Alias("Start")]
    Task<JobProgress> Start();

    [Alias("GetProgress")]
    Task<JobProgress> GetProgress();

    /// <summary>Stops starting new shards; shards already sealed stay.</summary>
    [Alias("Cancel")]
    Task<JobProgress> Cancel();

    /// <summary>The sealed shards, in index order.</summary>
    [Alias("GetShards")]
    Task<IReadOnlyList<CheckpointShardManifest>> GetShards();

    /// <summary>Makes sure unfinished work is running (called by reminders and by a silo handing work over).</summary>
    [Alias("Resume")]
    Task Resume();

    /// <summary>Forgets the job (its dataset was deleted): its state and reminder go; a later Plan starts it anew.</summary>
    /// <exception cref="InvalidOperationException">The job is running.</exception>
    [Alias("Forget")]
    Task Forget();
}
