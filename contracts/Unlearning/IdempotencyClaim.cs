namespace Lethe.Contracts.Unlearning;

/// <summary>
/// A tenant's idempotency key bound to a request: <see cref="RequestId"/> is the request it names (a new one when the
/// key was unused); <see cref="Conflict"/> when the key was used with another request body.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.idempotency-claim")]
public sealed record IdempotencyClaim(
    [property: Id(0)] string RequestId,
    [property: Id(1)] bool Conflict,
    [property: Id(2)] bool Existing);

/// <summary>A page of a tenant's request ids (newest first) and how many there are.</summary>
[GenerateSerializer, Immutable, Alias("lethe.request-page")]
public sealed record RequestPage(
    [property: Id(0)] string[] RequestIds,
    [property: Id(1)] int Total);
