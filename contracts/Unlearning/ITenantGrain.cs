namespace Lethe.Contracts.Unlearning;

/// <summary>
/// One tenant (key: tenant name): its API keys, stored only as SHA-256 hashes, and its quota. An API key reads
/// <c>{tenant}.{secret}</c>, so the tenant is found without an index.
/// </summary>
[Alias("lethe.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates an API key and returns it; only its hash is kept, so it cannot be shown again.</summary>
    [Alias("IssueKey")]
    Task<string> IssueKey();

    [Alias("SetQuota")]
    Task SetQuota(TenantQuota quota);

    /// <summary>True when <paramref name="secret"/> is one of the tenant's keys (reads need no quota).</summary>
    [Alias("Authenticate")]
    Task<bool> Authenticate(string secret);

    /// <summary>Checks the key's secret and the quota; when admitted, <paramref name="requestId"/> holds a slot until <see cref="Release"/>.</summary>
    [Alias("Admit")]
    Task<TenantAdmission> Admit(string secret, string requestId);

    /// <summary>Frees the request's slot (idempotent).</summary>
    [Alias("Release")]
    Task Release(string requestId);
}
