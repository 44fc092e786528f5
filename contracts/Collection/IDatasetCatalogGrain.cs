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
}
