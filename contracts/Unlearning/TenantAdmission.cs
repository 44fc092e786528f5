namespace Lethe.Contracts.Unlearning;

/// <summary>
/// A tenant's answer to a request: admitted (a quota slot is held until released), or refused with a bounded reason
/// (<c>invalid_key</c>, <c>concurrent_quota</c>, <c>daily_quota</c>) and a message for the caller.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.tenant-admission")]
public sealed record TenantAdmission(
    [property: Id(0)] bool Admitted,
    [property: Id(1)] string? Reason,
    [property: Id(2)] string? Message);
