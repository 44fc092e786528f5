namespace Lethe.Contracts.Collection;

/// <summary>
/// One MLP training run of a job (key <c>{jobId}/{run}</c>). It asks its silo's compute executor to train it; the
/// executor trains concurrent runs of the same job in one vectorized pass.
/// </summary>
[Alias("lethe.ITrainingRunGrain")]
public interface ITrainingRunGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts training if it is not under way and returns at once: the run's checkpoints once trained, else the epochs
    /// done so far. Callers poll it; a fresh activation (after its silo died) simply trains again.
    /// </summary>
    /// <exception cref="InvalidOperationException">Training failed; the message says why.</exception>
    [Alias("Train")]
    Task<RunTrainingUpdate> Train(CollectionJobSpec spec);

    /// <summary>Its shard is committed: the run drops its in-memory checkpoints.</summary>
    [Alias("MarkSealed")]
    Task MarkSealed();

    [Alias("GetProgress")]
    Task<RunProgress> GetProgress();
}
