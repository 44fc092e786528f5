namespace Lethe.Contracts.Hypernet;

/// <summary>The one registry of published hypernetworks (by name and version) and reference models. Address it with <see cref="Key"/>.</summary>
[Alias("lethe.IModelRegistryGrain")]
public interface IModelRegistryGrain : IGrainWithStringKey
{
    public const string Key = "registry";

    /// <summary>
    /// Records a published version and returns the registered entry. The first publication of a version wins: a trainer
    /// that redoes steps after a crash may publish the same version again with other bytes, and callers keep the first.
    /// </summary>
    [Alias("Publish")]
    Task<PublishedHypernet> Publish(PublishedHypernet model);

    /// <summary>A version of a model; without a version, the best-scoring one. Null when nothing matches.</summary>
    [Alias("Find")]
    Task<PublishedHypernet?> Find(string name, string? version = null);

    /// <summary>Every version of one model in step order, or of all models when <paramref name="name"/> is null.</summary>
    [Alias("List")]
    Task<IReadOnlyList<PublishedHypernet>> List(string? name = null);

    [Alias("RegisterReference")]
    Task RegisterReference(ReferenceModel model);

    [Alias("FindReference")]
    Task<ReferenceModel?> FindReference(string name);

    [Alias("ListReferences")]
    Task<IReadOnlyList<ReferenceModel>> ListReferences();
}
