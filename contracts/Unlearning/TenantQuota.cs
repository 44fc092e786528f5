namespace Lethe.Contracts.Unlearning;

/// <summary>What one tenant may run: requests at once and requests per UTC day.</summary>
[GenerateSerializer, Immutable, Alias("lethe.tenant-quota")]
public sealed record TenantQuota(
    [property: Id(0)] int MaxConcurrent = 2,
    [property: Id(1)] int MaxPerDay = 100);
