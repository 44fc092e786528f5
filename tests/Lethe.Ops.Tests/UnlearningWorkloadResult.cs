using Lethe.Contracts.Unlearning;

namespace Lethe.Ops.Tests;

/// <summary>
/// What the REST API answered: the rejection reason for the wrong key and for the request over quota (or the status
/// and body when it did not refuse), and the outcomes of the admitted requests.
/// </summary>
public sealed record UnlearningWorkloadResult(string WrongKeyRejection, IReadOnlyList<UnlearningOutcome> Outcomes, string OverQuotaRejection);
