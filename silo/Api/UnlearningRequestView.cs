using Lethe.Contracts.Unlearning;

namespace Lethe.Silo.Api;

/// <summary>
/// A request as its tenant sees it: the public id (no tenant prefix, no artifact-store keys), where it stands, and once
/// completed the SHA-256 of the downloadable model and report with the headline figures (null when not finite).
/// </summary>
public sealed record UnlearningRequestView(
    string Id,
    UnlearningStatus Status,
    string? Method,
    string? Preset,
    int[] Forget,
    string? Stage,
    double Progress,
    string? ModelSha256,
    string? ReportSha256,
    double? ForgetAccuracy,
    double? RetainAccuracy,
    double? UnlearningScore,
    string? Error,
    DateTimeOffset? SubmittedUtc,
    DateTimeOffset? FinishedUtc,
    string Href)
{
    public static UnlearningRequestView Of(UnlearningOutcome outcome)
    {
        var id = outcome.Id.IndexOf('.') is >= 0 and var dot ? outcome.Id[(dot + 1)..] : outcome.Id;
        static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
        return new UnlearningRequestView(id, outcome.Status, outcome.Method, outcome.Preset, outcome.Forget, outcome.Stage,
            outcome.Status == UnlearningStatus.Completed ? 1 : double.IsFinite(outcome.Progress) ? outcome.Progress : 0,
            outcome.ModelSha256, outcome.ReportSha256, Finite(outcome.ForgetAccuracy), Finite(outcome.RetainAccuracy), Finite(outcome.UnlearningScore),
            outcome.Error, outcome.SubmittedUtc, outcome.FinishedUtc, $"/v1/requests/{id}");
    }
}

/// <summary>One page of a tenant's requests (newest first); <c>Next</c> is the offset of the next page, null on the last.</summary>
public sealed record UnlearningRequestPage(UnlearningRequestView[] Items, int Total, int Offset, int? Next);
