using Lethe.Contracts.Unlearning;
using Lethe.Grains.Collection;

namespace Lethe.Grains.Unlearning;

[GenerateSerializer, Alias("lethe.tenant-directory-state")]
public sealed class TenantDirectoryState
{
    [Id(0)] public SortedSet<string> Tenants { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The tenants an operator can list; each tenant grain registers itself when created and leaves when deleted.</summary>
public sealed class TenantDirectoryGrain(
    [PersistentState("tenants", CollectionOptions.StorageName)] IPersistentState<TenantDirectoryState> state) : Grain, ITenantDirectoryGrain
{
    async Task ITenantDirectoryGrain.Add(string tenant)
    {
        if (state.State.Tenants.Add(tenant))
        {
            await state.WriteStateAsync();
        }
    }

    async Task ITenantDirectoryGrain.Remove(string tenant)
    {
        if (state.State.Tenants.Remove(tenant))
        {
            await state.WriteStateAsync();
        }
    }

    Task<string[]> ITenantDirectoryGrain.List() => Task.FromResult(state.State.Tenants.ToArray());
}
