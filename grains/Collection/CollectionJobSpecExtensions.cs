using Lethe.Contracts.Collection;
using Lethe.ML.Collection;

namespace Lethe.Grains.Collection;

/// <summary>Conversions between the grain-call spec and the engine's, and the names of a job's artifacts.</summary>
public static class CollectionJobSpecExtensions
{
    /// <summary>The job id: the engine spec's hash, the same id the in-process collector writes into a dataset folder.</summary>
    public static string JobId(this CollectionJobSpec spec) => spec.ToEngineSpec().Id;

    /// <summary>Checks a spec before any work starts; throws one <see cref="ArgumentException"/> saying what is accepted.</summary>
    public static CollectionJobSpec Validated(this CollectionJobSpec spec)
    {
        spec.ToEngineSpec().Validated();
        if (spec.Data != "npm" && !Directory.Exists(spec.Data))
        {
            throw new ArgumentException($"Data source '{spec.Data}' is neither 'npm' nor an existing folder of IDX files on the silo (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).");
        }

        return spec;
    }

    public static CollectionSpec ToEngineSpec(this CollectionJobSpec spec) => new()
    {
        Preset = spec.Preset,
        Data = spec.Data,
        Runs = spec.Runs,
        Epochs = spec.Epochs,
        BatchSize = spec.BatchSize,
        Seed = spec.Seed,
        LearningRateMin = spec.LearningRateMin,
        LearningRateMax = spec.LearningRateMax,
        Momentum = spec.Momentum,
        SelectionProbability = spec.SelectionProbability,
        PivotAccuracy = spec.PivotAccuracy,
        LossBinEdges = spec.LossBinEdges,
        MaxPerBin = spec.MaxPerBin,
        MaxCheckpointsPerRun = spec.MaxCheckpointsPerRun,
        RandomSaveRunFraction = spec.RandomSaveRunFraction,
        RandomSaveProbability = spec.RandomSaveProbability,
        ForgettingRunFraction = spec.ForgettingRunFraction,
        NeverLearnedProbability = spec.NeverLearnedProbability,
        UndersampleProbability = spec.UndersampleProbability,
        RunsPerShard = spec.RunsPerShard,
        Pivots = spec.Pivots,
    };

    public static CollectionJobSpec ToJobSpec(this CollectionSpec spec) => new()
    {
        Preset = spec.Preset,
        Data = spec.Data,
        Runs = spec.Runs,
        Epochs = spec.Epochs,
        BatchSize = spec.BatchSize,
        Seed = spec.Seed,
        LearningRateMin = spec.LearningRateMin,
        LearningRateMax = spec.LearningRateMax,
        Momentum = spec.Momentum,
        SelectionProbability = spec.SelectionProbability,
        PivotAccuracy = spec.PivotAccuracy,
        LossBinEdges = spec.LossBinEdges,
        MaxPerBin = spec.MaxPerBin,
        MaxCheckpointsPerRun = spec.MaxCheckpointsPerRun,
        RandomSaveRunFraction = spec.RandomSaveRunFraction,
        RandomSaveProbability = spec.RandomSaveProbability,
        ForgettingRunFraction = spec.ForgettingRunFraction,
        NeverLearnedProbability = spec.NeverLearnedProbability,
        UndersampleProbability = spec.UndersampleProbability,
        RunsPerShard = spec.RunsPerShard,
        Pivots = spec.Pivots,
    };

    /// <summary>Artifact key of a shard: one folder per job, file names as in a dataset folder.</summary>
    public static string ShardKey(string jobId, int index) => $"jobs/{jobId}/{CollectionSpec.ShardName(index)}";
}
