using System.Text.Json;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Storage;

namespace Lethe.ML.Hypernet;

/// <summary>
/// A checkpoint dataset written by <c>lethe collect</c>, ready for training: every verified shard, the task (preset and
/// pivots from the collection spec), an identity (job id and row count) and the test digits the losses were measured on.
/// </summary>
public sealed record CheckpointDataset(CheckpointBatch Batch, TaskPreset Task, string Identity, string DigitsSource)
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
        var batch = shards.ReadAll();
        return new CheckpointDataset(batch, spec.Task, $"{metadata.GetValueOrDefault("job", "unknown")}:{batch.Count}", spec.Data);
    }

    /// <summary>The test split the checkpoint losses were measured on (the same split collection used).</summary>
    public LabeledImages TestImages(Action<string>? log = null) => Data.DigitsSource.Load(DigitsSource, log: log).For(Task).Test;
}
