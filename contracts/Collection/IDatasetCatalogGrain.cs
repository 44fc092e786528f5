namespace Lethe.Contracts.Collection;

/// <summary>
/// The platform's checkpoint datasets (address it with <see cref="Key"/>): collection jobs submitted by request, and
/// dataset folders imported from a client. It hands out job ids, so clients never compute one themselves.
/// </summary>
[Alias("lethe.IDatasetCatalogGrain")]
public interface IDatasetCatalogGrain : IGrainWithStringKey
{
    public const string Key = "catalog";

    /// <summary>Resolves the request to its collection spec, plans the job (a job planned before keeps its progress) and lists it.</summary>
    /// <exception cref="ArgumentException">The request is invalid; the message says what is accepted.</exception>
    [Alias("Submit")]
    Task<JobPlan> Submit(CollectionRequest request);

    /// <summary>
    /// Stores one shard file of a dataset folder written by <c>lethe collect</c> (checked: a shard of the job its metadata
    /// names, at the index its metadata names) under the job's artifact key, unless the store holds it already.
    /// </summary>
    /// <returns>The job id the shard belongs to.</returns>
    /// <exception cref="System.IO.InvalidDataException">Not a checkpoint shard, or no collection spec in its metadata.</exception>
    [Alias("ImportShard")]
    Task<string> ImportShard(byte[] shard, string origin);

    /// <summary>Plans the job of imported shards from the spec they carry and lists it; completing it adopts the stored shards.</summary>
    /// <exception cref="ArgumentException">No imported shard of that job.</exception>
    [Alias("CompleteImport")]
    Task<JobPlan> CompleteImport(string jobId, string origin);

    [Alias("List")]
    Task<IReadOnlyList<DatasetEntry>> List();

    /// <summary>Records that a hypernetwork training or an unlearning request reads the dataset, so it is not deleted under them.</summary>
    /// <exception cref="InvalidOperationException">The dataset is being deleted.</exception>
    [Alias("RegisterUse")]
    Task RegisterUse(string jobId, DatasetUse use);

    /// <summary>
    /// Deletes the dataset: its shards, manifest and statistics from the artifact store, then its job and catalog
    /// registrations. At most <paramref name="maxArtifacts"/> artifacts go per call; call again until
    /// <see cref="DatasetDeletion.Done"/>. The first call checks that nothing uses it and marks it deleting.
    /// </summary>
    /// <exception cref="ArgumentException">No such dataset.</exception>
    /// <exception cref="InvalidOperationException">It is being collected, or a running training or request uses it (they are named).</exception>
    [Alias("Delete")]
    Task<DatasetDeletion> Delete(string jobId, int maxArtifacts);
}

/// <summary>A user of a dataset: <c>training</c> (a hypernetwork trainer's name) or <c>request</c> (an unlearning request's id).</summary>
[GenerateSerializer, Immutable, Alias("lethe.dataset-use")]
public sealed record DatasetUse([property: Id(0)] string Kind, [property: Id(1)] string Id)
{
    public override string ToString() => $"{Kind} {Id}";
}

/// <summary>Progress of a dataset deletion: artifacts deleted so far, bytes freed, and whether everything is gone.</summary>
[GenerateSerializer, Immutable, Alias("lethe.dataset-deletion")]
public sealed record DatasetDeletion([property: Id(0)] string JobId, [property: Id(1)] int ArtifactsDeleted, [property: Id(2)] long BytesDeleted, [property: Id(3)] int ArtifactsRemaining, [property: Id(4)] bool Done);
