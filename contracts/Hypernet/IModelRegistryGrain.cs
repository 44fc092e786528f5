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

    /// <summary>
    /// Publishes a hypernetwork model file a client brings (e.g. <c>lethe unlearn --hypernet FILE</c>) under
    /// <paramref name="name"/>, at the version its metadata records; the same file imported again is the same version.
    /// </summary>
    /// <exception cref="System.IO.InvalidDataException">Not a Lethe hypernetwork file.</exception>
    [Alias("Import")]
    Task<PublishedHypernet> Import(string name, byte[] model);

    [Alias("RegisterReference")]
    Task RegisterReference(ReferenceModel model);

    /// <summary>Stores a reference model a client trained (an MLP safetensors file) and registers it under <paramref name="name"/>.</summary>
    /// <exception cref="System.IO.InvalidDataException">Not an MLP of <paramref name="task"/>'s architecture.</exception>
    [Alias("ImportReference")]
    Task<ReferenceModel> ImportReference(string name, string task, byte[] model, string description);

    [Alias("FindReference")]
    Task<ReferenceModel?> FindReference(string name);

    [Alias("ListReferences")]
    Task<IReadOnlyList<ReferenceModel>> ListReferences();
}
