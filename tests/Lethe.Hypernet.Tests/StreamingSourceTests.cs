using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.Hypernet.Tests;

/// <summary>
/// Training reads its minibatches from memory-mapped shards (<see cref="MappedShardSource"/>) exactly as from memory:
/// the same rows, the same normalizer, the same steps; and the row index addresses datasets beyond 2^31 values.
/// </summary>
public sealed class StreamingSourceTests : TinyTrainingFolder
{
    private readonly CheckpointBatch _batch = SyntheticCheckpoints.Create(TaskPreset.Mnist4, runs: 12, perRun: 6, seed: 3);

    [Fact]
    public void Mapped_shards_serve_the_rows_and_columns_of_the_batch_they_hold()
    {
        using var source = WriteShards(_batch, shards: 3).OpenSource();
        Assert.Equal(3, source.ShardCount);
        Assert.Equal(_batch.Count, source.Count);
        Assert.Equal(_batch.Run, source.Columns.Run);
        Assert.Equal(_batch.Step, source.Columns.Step);
        Assert.Equal(_batch.ClassLoss, source.Columns.ClassLoss);
        int[] rows = [_batch.Count - 1, 0, 17, 17, 40, 23, 24];
        var read = new float[rows.Length * _batch.ParameterCount];
        source.ReadRows(rows, read);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(_batch.ParamsOf(rows[i]).ToArray(), read.AsSpan(i * _batch.ParameterCount, _batch.ParameterCount).ToArray());
        }

        Assert.Equal(rows.Length, source.RowsRead);
    }

    [Fact]
    public void Training_on_mapped_shards_takes_the_same_steps_as_training_in_memory()
    {
        var options = HypernetOptions.ForPreset("tiny", "dihyfo1") with { Steps = 6, EvaluateEvery = 1000, CheckpointEvery = 1000, LogEvery = 3 };
        var dataset = WriteShards(_batch, shards: 4);
        using var source = dataset.OpenSource();
        var streamedFolder = Path.Combine(Folder, "streamed");
        var memoryFolder = Path.Combine(Folder, "memory");
        using var streamed = HypernetTrainer.Open(streamedFolder, options, Preset, source, "synthetic", SyntheticCheckpoints.Images(Preset, 40, 3));
        using var memory = HypernetTrainer.Open(memoryFolder, options, Preset, _batch, "synthetic", SyntheticCheckpoints.Images(Preset, 40, 3));
        Assert.Equal(new TrainingFolder(memoryFolder).ReadDefinition().Normalization, new TrainingFolder(streamedFolder).ReadDefinition().Normalization);

        var a = streamed.Advance(6);
        var b = memory.Advance(6);

        Assert.Equal(b.TrainLoss, a.TrainLoss);
        Assert.Equal(b.HeldOutLoss, a.HeldOutLoss);
        foreach (var ((name, x), (_, y)) in streamed.EmaModel.NamedTensors().Zip(memory.EmaModel.NamedTensors()))
        {
            Assert.True(x.data<float>().ToArray().SequenceEqual(y.data<float>().ToArray()), $"EMA tensor {name} differs between the mapped and the in-memory training.");
        }

        Assert.True(source.RowsRead >= 6 * options.BatchSize, $"the mapped source served {source.RowsRead} rows for 6 steps of {options.BatchSize} pairs");
    }

    [Fact]
    public void A_corrupted_shard_is_refused_by_name()
    {
        var dataset = WriteShards(_batch, shards: 2);
        var victim = Path.Combine(dataset.Shards.Path, dataset.Shards.Manifest.Shards[1].Name);
        var bytes = File.ReadAllBytes(victim);
        bytes[^5] ^= 0x40;
        File.WriteAllBytes(victim, bytes);

        var error = Assert.Throws<InvalidDataException>(dataset.OpenSource);

        Assert.Contains(victim, error.Message);
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void The_row_index_addresses_datasets_beyond_two_to_the_31_parameter_values()
    {
        // Three virtual shards of 700,000 MNIST-4 checkpoints (plus an empty one): 2.1M rows × 1,582 = 3.3e9 values, the
        // paper's dataset size, which an int offset (row × P) or one .NET array cannot address.
        var p = ParameterLayout.For(TaskPreset.Mnist4.Architecture).Count;
        const int Rows = 700_000;
        var index = new ShardRowIndex([(Rows, 1_000), (0, 64), (Rows, 2_000), (Rows, 3_000)], p);

        Assert.Equal(3 * Rows, index.Count);
        Assert.True(index.ParameterValues > int.MaxValue * 1.5, $"{index.ParameterValues} values");
        Assert.Equal((0, 1_000L), index.Locate(0));
        Assert.Equal((0, 1_000L + ((long)(Rows - 1) * p * 4)), index.Locate(Rows - 1));
        Assert.Equal((2, 2_000L), index.Locate(Rows));
        var last = index.Locate((3 * Rows) - 1);
        Assert.Equal(3, last.Shard);
        Assert.Equal(3_000L + ((long)(Rows - 1) * p * 4), last.ByteOffset);
        Assert.True(last.ByteOffset > int.MaxValue, "a row's byte offset inside one shard passes 2^31");
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Locate(3 * Rows));
        Assert.Throws<InvalidDataException>(() => new ShardRowIndex([(int.MaxValue, 0), (1, 0)], p));
    }

    /// <summary>The batch written as a collect folder of <paramref name="shards"/> shards, split on run boundaries.</summary>
    private CheckpointDataset WriteShards(CheckpointBatch batch, int shards)
    {
        var path = Path.Combine(Folder, $"dataset-{Guid.NewGuid():N}");
        var folder = ShardFolder.Open(path, create: true);
        var runs = batch.Run.Distinct().Order().ToArray();
        var spec = System.Text.Json.JsonSerializer.Serialize(new ML.Collection.CollectionSpec { Preset = "mnist4", Runs = runs.Length });
        var metadata = new Dictionary<string, string> { ["spec"] = spec, ["job"] = "synthetic" };
        for (var s = 0; s < shards; s++)
        {
            var mine = runs.Where((_, i) => i * shards / runs.Length == s).ToHashSet();
            var part = batch.SelectRows(Enumerable.Range(0, batch.Count).Where(r => mine.Contains(batch.Run[r])).ToArray());
            folder.Add($"shard-{s:D5}.safetensors", ShardFile.Serialize(part, metadata), part.Count, mine.Min(), mine.Max(), metadata);
        }

        return CheckpointDataset.Open(path);
    }
}
