namespace Lethe.Contracts.Unlearning;

/// <summary>What an operator sees of a tenant: how many keys it has (never the keys), its quota and its use.</summary>
[GenerateSerializer, Immutable, Alias("lethe.tenant-info")]
public sealed record TenantInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] int Keys,
    [property: Id(2)] int RevokedKeys,
    [property: Id(3)] TenantQuota Quota,
    [property: Id(4)] int Running,
    [property: Id(5)] int AdmittedToday,
    [property: Id(6)] int Requests);
