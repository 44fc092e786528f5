namespace Lethe.Contracts.Unlearning;

/// <summary>
/// Where an unlearning request stands, and once completed where its results are: the unlearned model and its report
/// (JSON) in the artifact store, with the headline figures of the report. While it runs, <c>Stage</c> and
/// <c>Progress</c> (in [0, 1]) say how far it got.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.unlearning-outcome")]
public sealed record UnlearningOutcome(
    [property: Id(0)] string Id,
    [property: Id(1)] UnlearningStatus Status,
    [property: Id(2)] string? Method,
    [property: Id(3)] string? Preset,
    [property: Id(4)] int[] Forget,
    [property: Id(5)] string? ModelKey,
    [property: Id(6)] string? ModelSha256,
    [property: Id(7)] string? ReportKey,
    [property: Id(8)] string? ReportSha256,
    [property: Id(9)] double? ForgetAccuracy,
    [property: Id(10)] double? RetainAccuracy,
    [property: Id(11)] double? UnlearningScore,
    [property: Id(12)] string? Error,
    [property: Id(13)] DateTimeOffset? SubmittedUtc,
    [property: Id(14)] DateTimeOffset? FinishedUtc,
    [property: Id(15)] string Tenant,
    [property: Id(16)] string? Stage = null,
    [property: Id(17)] double Progress = 0)
{
    public bool IsFinished => Status is UnlearningStatus.Completed or UnlearningStatus.Failed or UnlearningStatus.Cancelled;
}
