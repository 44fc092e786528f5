using Lethe.Contracts.Unlearning;

namespace Lethe.Grains.Unlearning;

[GenerateSerializer, Alias("lethe.tenant-state")]
public sealed class TenantState
{
    /// <summary>SHA-256 (hex) of each issued key's secret.</summary>
    [Id(0)] public List<string> KeyHashes { get; set; } = [];

    [Id(1)] public TenantQuota Quota { get; set; } = new();

    /// <summary>Requests holding a slot.</summary>
    [Id(2)] public HashSet<string> Running { get; set; } = [];

    [Id(3)] public DateOnly Day { get; set; }

    [Id(4)] public int AdmittedToday { get; set; }

    /// <summary>Every request charged to the tenant (oldest first), until deleted.</summary>
    [Id(5)] public List<string> Requests { get; set; } = [];

    /// <summary>Idempotency key -> (request id, fingerprint of the request body it was first used with).</summary>
    [Id(6)] public Dictionary<string, IdempotentRequest> IdempotencyKeys { get; set; } = [];

    /// <summary>SHA-256 (hex) of revoked keys: never accepted again, whatever the tenants file says.</summary>
    [Id(7)] public HashSet<string> RevokedHashes { get; set; } = [];

    /// <summary>Whether the tenant was created (a key issued or seeded, or a quota set).</summary>
    [Id(8)] public bool Exists { get; set; }
}

[GenerateSerializer, Alias("lethe.idempotent-request")]
public sealed record IdempotentRequest([property: Id(0)] string RequestId, [property: Id(1)] string Fingerprint);
