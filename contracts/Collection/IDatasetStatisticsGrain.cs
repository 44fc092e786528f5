namespace Lethe.Contracts.Collection;

/// <summary>
/// The statistics of one checkpoint dataset (key: <see cref="Artifacts.ArtifactKeys.DatasetOf"/> of its collection
/// jobs), computed once from the shards when the dataset is sealed, or lazily for a dataset sealed before statistics
/// existed, and stored beside it in the artifact store with their SHA-256.
/// </summary>
public interface IDatasetStatisticsGrain : IGrainWithStringKey
{
    /// <summary>
    /// The stored statistics, or null while they are being computed (the call starts the computation; poll again).
    /// </summary>
    /// <exception cref="ArgumentException">A job of the dataset is unknown or not completed, or the jobs are of different tasks.</exception>
    /// <exception cref="InvalidOperationException">The last computation failed (the next call tries again).</exception>
    Task<DatasetStatisticsInfo?> TryGet();

    /// <summary>Starts computing the statistics unless they are stored (what a job does when it seals its last shard); answers nothing.</summary>
    [Orleans.Concurrency.OneWay]
    Task Prepare();

    /// <summary>The stored statistics, or null; never starts a computation.</summary>
    Task<DatasetStatisticsInfo?> Find();

    /// <summary>Forgets the stored statistics (their dataset was deleted; the artifact is deleted by the catalog).</summary>
    Task Forget();
}

/// <summary>Where a dataset's statistics are: the artifact key and checksum, their size and the dataset's checkpoint count.</summary>
[GenerateSerializer, Immutable, Alias("lethe.dataset-statistics-info")]
public sealed record DatasetStatisticsInfo(
    [property: Id(0)] string Key,
    [property: Id(1)] string Sha256,
    [property: Id(2)] long Bytes,
    [property: Id(3)] int Checkpoints,
    [property: Id(4)] DateTimeOffset ComputedUtc);
