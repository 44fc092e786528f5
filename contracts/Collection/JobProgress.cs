namespace Lethe.Contracts.Collection;

/// <summary>A snapshot of a job, persisted by the job grain and returned by every call on it.</summary>
[GenerateSerializer, Immutable, Alias("lethe.job-progress")]
public sealed record JobProgress(
    [property: Id(0)] string JobId,
    [property: Id(1)] JobStatus Status,
    [property: Id(2)] int RunsPlanned,
    [property: Id(3)] int RunsSealed,
    [property: Id(4)] int ShardsPlanned,
    [property: Id(5)] int ShardsSealed,
    [property: Id(6)] long Checkpoints,
    [property: Id(7)] string? Error,
    [property: Id(8)] DateTimeOffset? StartedUtc,
    [property: Id(9)] DateTimeOffset? FinishedUtc,
    [property: Id(10)] long RunEpochsDone,
    [property: Id(11)] long RunEpochsTotal)
{
    public bool IsFinished => Status is JobStatus.Completed or JobStatus.Cancelled or JobStatus.Failed;
}
