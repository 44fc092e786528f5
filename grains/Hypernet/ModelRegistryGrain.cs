using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Hypernet;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Collection;
using Lethe.ML.Data;
using Lethe.ML.Nets;

namespace Lethe.Grains.Hypernet;

/// <summary>
/// The registry of published hypernetworks and reference models: metadata only (artifact keys and checksums), so its
/// state stays small however many versions are published.
/// </summary>
public sealed class ModelRegistryGrain(
    [PersistentState("registry", CollectionOptions.StorageName)] IPersistentState<ModelRegistryState> state,
    IArtifactStore artifacts) : Grain, IModelRegistryGrain
{
    async Task<PublishedHypernet> IModelRegistryGrain.Publish(PublishedHypernet model) => await Publish(model);

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

    async Task<PublishedHypernet> IModelRegistryGrain.Import(string name, byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return await Publish(await HypernetPublisher.Store(artifacts, name, model, CancellationToken.None));
    }

    async Task IModelRegistryGrain.RegisterReference(ReferenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        state.State.References[model.Name] = model;
        await state.WriteStateAsync();
    }

    async Task<ReferenceModel> IModelRegistryGrain.ImportReference(string name, string task, byte[] model, string description)
    {
        ArgumentNullException.ThrowIfNull(model);
        MlpFile.Deserialize(model, $"reference model {name}", TaskPreset.Get(task).Architecture);
        var sha = ArtifactChecksum.Sha256Of(model);
        var key = ArtifactKeys.Reference(name, sha);
        await artifacts.Put(key, model, CancellationToken.None);
        var reference = new ReferenceModel(name, task, key, sha, description);
        state.State.References[name] = reference;
        await state.WriteStateAsync();
        return reference;
    }

    Task<ReferenceModel?> IModelRegistryGrain.FindReference(string name) => Task.FromResult(state.State.References.GetValueOrDefault(name));

    Task<IReadOnlyList<ReferenceModel>> IModelRegistryGrain.ListReferences() =>
        Task.FromResult<IReadOnlyList<ReferenceModel>>(state.State.References.Values.OrderBy(r => r.Name, StringComparer.Ordinal).ToList());

    /// <summary>Records a version unless it was published before: the first publication of a version wins.</summary>
    private async Task<PublishedHypernet> Publish(PublishedHypernet model)
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
}
