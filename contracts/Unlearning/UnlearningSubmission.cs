namespace Lethe.Contracts.Unlearning;

/// <summary>
/// What submitting a request came to: accepted (<see cref="Outcome"/>; <see cref="Replay"/> when the same request had
/// been submitted before, which costs no quota), or refused with a bounded <see cref="Reason"/> (<c>invalid</c> with the
/// <see cref="Field"/> that was wrong, <c>conflict</c>, <c>concurrent_quota</c>, <c>daily_quota</c>) and a message that
/// says what is accepted. A refused request holds no quota slot and was not counted.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.unlearning-submission")]
public sealed record UnlearningSubmission(
    [property: Id(0)] UnlearningOutcome? Outcome,
    [property: Id(1)] string? Reason,
    [property: Id(2)] string? Field,
    [property: Id(3)] string? Message,
    [property: Id(4)] bool Replay = false)
{
    public bool Accepted => Outcome is not null;

    public static UnlearningSubmission Invalid(string field, string message) => new(null, "invalid", field, message);
}
