namespace Lethe.Contracts.Hypernet;

/// <summary>Where a named hypernetwork training stands; returned by every call on its trainer.</summary>
/// <param name="BestScore">Mean prompt alignment (HyperForget Eq. 6) of the best published version.</param>
/// <param name="LatestVersion">The newest version published to the model registry.</param>
/// <param name="ResumedFromStep">The checkpoint step the current activation continued from (0: started fresh).</param>
/// <param name="CheckpointKey">Artifact key of the last durable checkpoint: a zip of the training folder without the
/// versions' model files (those are published in the registry); with them it is the folder an in-process training keeps.</param>
/// <param name="Interruption">Why the training stopped since its last finished batch (storage or messaging trouble, e.g.
/// a full disk), if it did: it resumes from its last checkpoint at the next call or reminder tick. Null while it runs.</param>
[GenerateSerializer, Immutable, Alias("lethe.hypernet-trainer-status")]
public sealed record HypernetTrainerStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] HypernetTrainingState State,
    [property: Id(2)] HypernetTrainingRequest? Request,
    [property: Id(3)] int Step,
    [property: Id(4)] int Steps,
    [property: Id(5)] double TrainLoss,
    [property: Id(6)] double HeldOutLoss,
    [property: Id(7)] string? BestVersion,
    [property: Id(8)] double? BestScore,
    [property: Id(9)] string? LatestVersion,
    [property: Id(10)] string? Error,
    [property: Id(11)] DateTimeOffset? StartedUtc,
    [property: Id(12)] DateTimeOffset? FinishedUtc,
    [property: Id(13)] int ResumedFromStep,
    [property: Id(14)] string? CheckpointKey = null,
    [property: Id(15)] string? CheckpointSha256 = null,
    [property: Id(16)] string? Interruption = null)
{
    public bool IsFinished => State is HypernetTrainingState.Completed or HypernetTrainingState.Cancelled or HypernetTrainingState.Failed;
}
