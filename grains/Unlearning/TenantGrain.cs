using System.Security.Cryptography;
using System.Text;
using Lethe.Contracts.Unlearning;
using Lethe.Grains.Collection;
using Lethe.Grains.Telemetry;

namespace Lethe.Grains.Unlearning;

/// <summary>A tenant's API keys (hashes only) and quota; every refusal is counted by reason on <c>lethe.tenant.rejections</c>.</summary>
public sealed class TenantGrain(
    [PersistentState("tenant", CollectionOptions.StorageName)] IPersistentState<TenantState> state,
    LetheMetrics metrics) : Grain, ITenantGrain
{
    Task<string> ITenantGrain.IssueKey() => IssueKey();

    private async Task<string> IssueKey()
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        state.State.KeyHashes.Add(Hash(secret));
        await Create();
        await state.WriteStateAsync();
        return $"{this.GetPrimaryKeyString()}.{secret}";
    }

    async Task<string> ITenantGrain.RotateKey()
    {
        Revoke();
        return await IssueKey();
    }

    async Task<int> ITenantGrain.RevokeKeys()
    {
        var revoked = Revoke();
        await state.WriteStateAsync();
        return revoked;
    }

    async Task<int> ITenantGrain.Seed(string[] keySha256, TenantQuota? quota)
    {
        ArgumentNullException.ThrowIfNull(keySha256);
        var created = !state.State.Exists;
        var added = 0;
        foreach (var hash in keySha256.Select(h => h.Trim().ToLowerInvariant()))
        {
            if (hash.Length != 64 || !hash.All(Uri.IsHexDigit))
            {
                throw new ArgumentException($"Tenant {this.GetPrimaryKeyString()}: '{hash}' is not a SHA-256 in hex (64 hex digits).");
            }

            if (!state.State.RevokedHashes.Contains(hash) && !state.State.KeyHashes.Contains(hash))
            {
                state.State.KeyHashes.Add(hash);
                added++;
            }
        }

        if (created && quota is not null)
        {
            state.State.Quota = quota;
        }

        if (added > 0 || created)
        {
            await Create();
            await state.WriteStateAsync();
        }

        return added;
    }

    Task<TenantInfo> ITenantGrain.Describe() => Task.FromResult(new TenantInfo(
        this.GetPrimaryKeyString(), state.State.KeyHashes.Count, state.State.RevokedHashes.Count, state.State.Quota, state.State.Running.Count,
        state.State.Day == DateOnly.FromDateTime(DateTime.UtcNow) ? state.State.AdmittedToday : 0, state.State.Requests.Count));

    async Task<int> ITenantGrain.DeleteTenant()
    {
        var requests = state.State.Requests.ToList();
        foreach (var id in requests)
        {
            await GrainFactory.GetGrain<IUnlearningRequestGrain>(id).DeleteForTenant();
        }

        // Revoked hashes stay, so a tenants file that still lists a deleted tenant's key cannot revive it.
        var revoked = state.State.RevokedHashes.Concat(state.State.KeyHashes).ToHashSet();
        state.State = new TenantState { RevokedHashes = revoked };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).Remove(this.GetPrimaryKeyString());
        return requests.Count;
    }

    private int Revoke()
    {
        var revoked = state.State.KeyHashes.Count;
        state.State.RevokedHashes.UnionWith(state.State.KeyHashes);
        state.State.KeyHashes.Clear();
        return revoked;
    }

    private async Task Create()
    {
        if (!state.State.Exists)
        {
            state.State.Exists = true;
            await GrainFactory.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).Add(this.GetPrimaryKeyString());
        }
    }

    async Task ITenantGrain.SetQuota(TenantQuota quota)
    {
        ArgumentNullException.ThrowIfNull(quota);
        if (quota.MaxConcurrent < 0 || quota.MaxPerDay < 0)
        {
            throw new ArgumentException($"Quota limits must not be negative; got {quota.MaxConcurrent} at once and {quota.MaxPerDay} a day.");
        }

        state.State.Quota = quota;
        await Create();
        await state.WriteStateAsync();
    }

    Task<bool> ITenantGrain.Authenticate(string secret)
    {
        var known = Knows(secret);
        if (!known)
        {
            Refuse("invalid_key", "");
        }

        return Task.FromResult(known);
    }

    async Task<TenantAdmission> ITenantGrain.Admit(string secret, string requestId)
    {
        if (!Knows(secret))
        {
            return Refuse("invalid_key", "The API key is not valid for this tenant.");
        }

        return await Charge(requestId);
    }

    Task<TenantAdmission> ITenantGrain.Charge(string requestId) => Charge(requestId);

    private async Task<TenantAdmission> Charge(string requestId)
    {
        if (state.State.Running.Contains(requestId))
        {
            return new TenantAdmission(true, null, null);
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        if (state.State.Day != today)
        {
            state.State.Day = today;
            state.State.AdmittedToday = 0;
        }

        var quota = state.State.Quota;
        if (state.State.Running.Count >= quota.MaxConcurrent)
        {
            return Refuse("concurrent_quota", $"The tenant already runs {state.State.Running.Count} requests, its limit at once; retry when one finishes.");
        }

        if (state.State.AdmittedToday >= quota.MaxPerDay)
        {
            return Refuse("daily_quota", $"The tenant used its {quota.MaxPerDay} requests for today (UTC).");
        }

        state.State.Running.Add(requestId);
        state.State.AdmittedToday++;
        if (!state.State.Requests.Contains(requestId))
        {
            state.State.Requests.Add(requestId);
        }

        await state.WriteStateAsync();
        return new TenantAdmission(true, null, null);
    }

    async Task<IdempotencyClaim> ITenantGrain.ClaimIdempotencyKey(string key, string fingerprint, string newRequestId)
    {
        if (state.State.IdempotencyKeys.TryGetValue(key, out var bound))
        {
            return new IdempotencyClaim(bound.RequestId, bound.Fingerprint != fingerprint, true);
        }

        state.State.IdempotencyKeys[key] = new IdempotentRequest(newRequestId, fingerprint);
        await state.WriteStateAsync();
        return new IdempotencyClaim(newRequestId, false, false);
    }

    async Task ITenantGrain.ReleaseIdempotencyKey(string key, string requestId)
    {
        if (state.State.IdempotencyKeys.TryGetValue(key, out var bound) && bound.RequestId == requestId)
        {
            state.State.IdempotencyKeys.Remove(key);
            await state.WriteStateAsync();
        }
    }

    Task<RequestPage> ITenantGrain.ListRequests(int offset, int limit)
    {
        var all = state.State.Requests;
        var page = Enumerable.Range(0, all.Count).Select(i => all[all.Count - 1 - i]).Skip(Math.Max(0, offset)).Take(Math.Clamp(limit, 0, 1000)).ToArray();
        return Task.FromResult(new RequestPage(page, all.Count));
    }

    async Task ITenantGrain.ForgetRequest(string requestId)
    {
        var removed = state.State.Requests.Remove(requestId) | state.State.Running.Remove(requestId);
        foreach (var key in state.State.IdempotencyKeys.Where(k => k.Value.RequestId == requestId).Select(k => k.Key).ToList())
        {
            removed |= state.State.IdempotencyKeys.Remove(key);
        }

        if (removed)
        {
            await state.WriteStateAsync();
        }
    }

    async Task ITenantGrain.Release(string requestId)
    {
        if (state.State.Running.Remove(requestId))
        {
            await state.WriteStateAsync();
        }
    }

    private bool Knows(string? secret)
    {
        var hash = Encoding.ASCII.GetBytes(Hash(secret ?? ""));
        // Compare with every stored hash in constant time, so timing tells nothing about how close a guess was.
        return state.State.KeyHashes.Aggregate(false, (found, stored) => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), hash) | found);
    }

    private TenantAdmission Refuse(string reason, string message)
    {
        metrics.TenantRejections.Add(1, new KeyValuePair<string, object?>("reason", reason));
        return new TenantAdmission(false, reason, message);
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
