using Lethe.Contracts.Hypernet;
using Lethe.Grains.Collection;

namespace Lethe.Grains.Hypernet;

/// <summary>
/// The registry of published hypernetworks and reference models: metadata only (artifact keys and checksums), so its
/// state stays small however many versions are published.
/// </summary>
public sealed class ModelRegistryGrain(
    [PersistentState("registry", CollectionOptions.StorageName)] IPersistentState<ModelRegistryState> state) : Grain, IModelRegistryGrain
{
    async Task<PublishedHypernet> IModelRegistryGrain.Publish(PublishedHypernet model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!state.State.Hypernets.TryGetValue(model.Name, out var versions))
        {
            versions = [];
            state.State.Hypernets[model.Name] = versions;
        }

        if (versions.TryGetValue(model.Version, out var first))
        {
            return first;
        }

        versions[model.Version] = model;
        await state.WriteStateAsync();
        return model;
    }

    Task<PublishedHypernet?> IModelRegistryGrain.Find(string name, string? version)
    {
        if (!state.State.Hypernets.TryGetValue(name, out var versions))
        {
            return Task.FromResult<PublishedHypernet?>(null);
        }

        if (version is not null)
        {
            return Task.FromResult(versions.GetValueOrDefault(version));
        }

        // NaN scores (no alignment measured) rank last; ties go to the later step.
        return Task.FromResult(versions.Values
            .OrderByDescending(v => double.IsFinite(v.Score) ? v.Score : double.NegativeInfinity)
            .ThenByDescending(v => v.Step)
            .FirstOrDefault());
    }

    Task<IReadOnlyList<PublishedHypernet>> IModelRegistryGrain.List(string? name) =>
        Task.FromResult<IReadOnlyList<PublishedHypernet>>(state.State.Hypernets
            .Where(kv => name is null || kv.Key == name)
            .SelectMany(kv => kv.Value.Values)
            .OrderBy(v => v.Name, StringComparer.Ordinal)
            .ThenBy(v => v.Step)
            .ToList());

    async Task IModelRegistryGrain.RegisterReference(ReferenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        state.State.References[model.Name] = model;
        await state.WriteStateAsync();
    }

    Task<ReferenceModel?> IModelRegistryGrain.FindReference(string name) => Task.FromResult(state.State.References.GetValueOrDefault(name));

    Task<IReadOnlyList<ReferenceModel>> IModelRegistryGrain.ListReferences() =>
        Task.FromResult<IReadOnlyList<ReferenceModel>>(state.State.References.Values.OrderBy(r => r.Name, StringComparer.Ordinal).ToList());
}
