using System.Diagnostics;
using System.Text.Json;
using Lethe.ML.Storage;

namespace Lethe.ML.Tests;

public class ShardStorageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lethe-shards-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CheckpointBatch Sample(int rows = 3, int p = 5, int m = 2)
    {
        var rng = new Random(1);
        return new CheckpointBatch(rows, p, m,
            Enumerable.Range(0, rows * p).Select(_ => (float)rng.NextDouble()).ToArray(),
            Enumerable.Range(0, rows * m).Select(_ => (float)rng.NextDouble() * 3).ToArray(),
            Enumerable.Range(0, rows * m).Select(_ => (float)rng.NextDouble()).ToArray(),
            Enumerable.Range(0, rows).Select(i => i / 2).ToArray(),
            Enumerable.Range(0, rows).Select(i => i * 10).ToArray(),
            Enumerable.Range(0, rows).ToArray());
    }

    [Fact]
    public void Shard_round_trips_arrays_and_metadata()
    {
        var batch = Sample();

        var (read, metadata) = ShardFile.Deserialize(ShardFile.Serialize(batch, new Dictionary<string, string> { ["preset"] = "mnist4" }));

        Assert.Equal(batch.Params, read.Params);
        Assert.Equal(batch.ClassLoss, read.ClassLoss);
        Assert.Equal(batch.Step, read.Step);
        Assert.Equal("mnist4", metadata["preset"]);
    }

    [Fact]
    public void A_shard_with_one_flipped_byte_is_rejected_with_a_checksum_error()
    {
        var folder = ShardFolder.Open(_folder, create: true);
        var entry = folder.Add("shard-00000.safetensors", ShardFile.Serialize(Sample(), new Dictionary<string, string>()), 3, 0, 1);
        var path = Path.Combine(_folder, entry.Name);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length - 7] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => ShardFolder.Open(_folder).ReadAll());
        Assert.Contains("checksum", error.Message);
        Assert.Contains(entry.Sha256, error.Message);
    }

    [Fact]
    public void Adding_a_shard_leaves_no_temporary_file_and_records_it_in_the_manifest()
    {
        var folder = ShardFolder.Open(_folder, create: true);
        folder.Add("shard-00001.safetensors", ShardFile.Serialize(Sample(), new Dictionary<string, string>()), 3, 2, 3);

        Assert.Equal(["manifest.json", "shard-00001.safetensors"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
        var reopened = ShardFolder.Open(_folder);
        Assert.Equal(3, reopened.Manifest.CheckpointCount);
        Assert.Equal(3, reopened.ReadAll().Count);
    }

    [Fact]
    public void The_small_columns_of_every_shard_are_read_without_parameters_in_manifest_order()
    {
        var folder = ShardFolder.Open(_folder, create: true);
        var first = Sample(rows: 3);
        var second = Sample(rows: 4) with { Run = [7, 7, 8, 8] };
        folder.Add("shard-00000.safetensors", ShardFile.Serialize(first, new Dictionary<string, string>()), 3, 0, 1);
        folder.Add("shard-00001.safetensors", ShardFile.Serialize(second, new Dictionary<string, string>()), 4, 7, 8);

        var columns = ShardFolder.Open(_folder).ReadColumns();
        var all = ShardFolder.Open(_folder).ReadAll();

        Assert.Equal(7, columns.Count);
        Assert.Equal(0, columns.ParameterCount);
        Assert.Empty(columns.Params);
        Assert.Equal(all.ClassLoss, columns.ClassLoss);
        Assert.Equal(all.ClassAcc, columns.ClassAcc);
        Assert.Equal([0, 0, 1, 7, 7, 8, 8], columns.Run);
        Assert.Equal(all.Step, columns.Step);
        Assert.Equal(all.Epoch, columns.Epoch);
    }

    [Fact]
    public void An_independent_parser_reads_offsets_dtypes_and_shapes()
    {
        var batch = Sample(rows: 4, p: 7, m: 3);
        var path = Path.Combine(_folder, "s.safetensors");
        File.WriteAllBytes(path, ShardFile.Serialize(batch, new Dictionary<string, string> { ["layout"] = "x" }));
        var script = Path.Combine(AppContext.BaseDirectory, "safetensors_check.py");

        using var python = Process.Start(new ProcessStartInfo("python3", [script, path]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = python.StandardOutput.ReadToEnd();
        var error = python.StandardError.ReadToEnd();
        python.WaitForExit();

        Assert.True(python.ExitCode == 0, error);
        var tensors = JsonDocument.Parse(output).RootElement.GetProperty("tensors");
        Assert.Equal("F32", tensors.GetProperty("params").GetProperty("dtype").GetString());
        Assert.Equal([4, 7], tensors.GetProperty("params").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("I32", tensors.GetProperty("run").GetProperty("dtype").GetString());
        Assert.Equal(batch.Params.Sum(), tensors.GetProperty("params").GetProperty("sum").GetDouble(), 3);
        Assert.Equal(batch.Step.Sum(), tensors.GetProperty("step").GetProperty("sum").GetDouble());
    }

    [Fact]
    public void A_folder_without_manifest_says_how_to_make_one()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => ShardFolder.Open(_folder));
        Assert.Contains("lethe collect", error.Message);
    }

    [Fact]
    public void Garbage_is_not_a_safetensors_file()
    {
        Assert.Throws<InvalidDataException>(() => ShardFile.Deserialize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    }
}
