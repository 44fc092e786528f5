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

    /// <summary>Revokes every key and issues a new one, returned once.</summary>
    [Alias("RotateKey")]
    Task<string> RotateKey();

    /// <summary>Revokes every key (remembered, so the tenants file never brings one back); returns how many.</summary>
    [Alias("RevokeKeys")]
    Task<int> RevokeKeys();

    /// <summary>
    /// Adds key hashes from the configured tenants file unless revoked in the grain; a tenant the file creates takes
    /// its quota, an existing one keeps what the grains say. Returns how many hashes were new.
    /// </summary>
    [Alias("Seed")]
    Task<int> Seed(string[] keySha256, TenantQuota? quota);

    [Alias("Describe")]
    Task<TenantInfo> Describe();

    /// <summary>Deletes every request of the tenant (their artifacts too), its keys and its state.</summary>
    [Alias("DeleteTenant")]
    Task<int> DeleteTenant();

    [Alias("SetQuota")]
    Task SetQuota(TenantQuota quota);

    /// <summary>True when <paramref name="secret"/> is one of the tenant's keys (reads need no quota).</summary>
    [Alias("Authenticate")]
    Task<bool> Authenticate(string secret);

    /// <summary>Checks the key's secret and the quota; when admitted, <paramref name="requestId"/> holds a slot until <see cref="Release"/>.</summary>
    [Alias("Admit")]
    Task<TenantAdmission> Admit(string secret, string requestId);

    /// <summary>
    /// Counts <paramref name="requestId"/> against the quota (the caller was authenticated) and records it in the
    /// tenant's request list; called by the request grain after its request passed validation.
    /// </summary>
    [Alias("Charge")]
    Task<TenantAdmission> Charge(string requestId);

    /// <summary>Binds an idempotency key to <paramref name="newRequestId"/> with the request's fingerprint, or returns the request it already names.</summary>
    [Alias("ClaimIdempotencyKey")]
    Task<IdempotencyClaim> ClaimIdempotencyKey(string key, string fingerprint, string newRequestId);

    /// <summary>Unbinds an idempotency key from a request that was refused, so the key can be used again.</summary>
    [Alias("ReleaseIdempotencyKey")]
    Task ReleaseIdempotencyKey(string key, string requestId);

    /// <summary>The tenant's requests, newest first.</summary>
    [Alias("ListRequests")]
    Task<RequestPage> ListRequests(int offset, int limit);

    /// <summary>Drops a deleted request from the tenant's list and its idempotency keys.</summary>
    [Alias("ForgetRequest")]
    Task ForgetRequest(string requestId);

    /// <summary>Frees the request's slot (idempotent).</summary>
    [Alias("Release")]
    Task Release(string requestId);
}
