using System.Text.Json;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;

namespace Lethe.ML.Hypernet;

/// <summary>
/// A checkpoint dataset written by <c>lethe collect --out</c>: its verified shards, the task (preset and pivots from the
/// collection spec), an identity (job id and row count) and the test digits the losses were measured on. Nothing is read
/// until asked: <see cref="OpenSource"/> maps the shards for training, <see cref="Statistics"/> streams them one at a time.
/// </summary>
public sealed record CheckpointDataset(ShardFolder Shards, TaskPreset Task, string Identity, string DigitsSource)
{
    public static CheckpointDataset Open(string folder)
    {
        var shards = ShardFolder.Open(folder);
        if (shards.Manifest.Shards.Count == 0)
        {
            throw new InvalidDataException($"{folder} holds no checkpoint shards yet; run 'lethe collect --out {folder}' first.");
        }

        var metadata = shards.Manifest.Metadata;
        if (!metadata.TryGetValue("spec", out var specJson))
        {
            throw new InvalidDataException($"{folder}/manifest.json has no collection spec in its metadata; it was not written by 'lethe collect'.");
        }

        var spec = JsonSerializer.Deserialize<CollectionSpec>(specJson) ?? throw new InvalidDataException($"{folder}: empty collection spec.");
        var count = shards.Manifest.Shards.Sum(s => s.Count);
        return new CheckpointDataset(shards, spec.Task, $"{metadata.GetValueOrDefault("job", "unknown")}:{count}", spec.Data);
    }

    /// <summary>The shards memory-mapped (each verified once): what training reads minibatches from. The caller disposes it.</summary>
    public MappedShardSource OpenSource() => MappedShardSource.Open(Shards);

    /// <summary>Prompt statistics computed from the shards, one shard in memory at a time.</summary>
    public DatasetStatistics Statistics() => DatasetStatistics.Compute(Task, () => Shards.ReadShards().Select(s => s.Batch));

    /// <summary>The test split the checkpoint losses were measured on (the same split collection used).</summary>
    public LabeledImages TestImages(Action<string>? log = null) => Data.DigitsSource.Load(DigitsSource, log: log).For(Task).Test;
}
