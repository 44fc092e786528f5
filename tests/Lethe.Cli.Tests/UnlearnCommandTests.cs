using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.Cli.Tests;

public class UnlearnCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lethe-unlearn-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>The Local platform of this test's lethe processes.</summary>
    private string Home => Path.Combine(_root, "home");

    private string Model(TaskPreset preset)
    {
        var layout = ParameterLayout.For(preset.Architecture);
        var path = Path.Combine(_root, $"{preset.Name}.safetensors");
        MlpFile.Save(path, layout, layout.InitialParameters(1));
        return path;
    }

    [Theory]
    [InlineData("The forget set is empty", "--forget", "")]
    [InlineData("contains pivot class 0", "--forget", "0,2")]
    [InlineData("class 9 is not in preset mnist4", "--forget", "9")]
    [InlineData("holds a 784-2-4 MLP; this preset needs 784-7-10", "--preset", "mnist")]
    [InlineData("Unknown unlearning method 'amnesia'", "--method", "amnesia")]
    [InlineData("dihyfo1 samples unlearned models from a trained hypernetwork: pass --hypernet", "--method", "dihyfo1")]
    [InlineData("--guidance takes positive numbers separated by commas (e.g. 1,2,4); '-2' is not one", "--guidance", "1,-2")]
    public void Invalid_request_is_one_error_line_exit_2_and_no_output(string message, string option, string value)
    {
        string[] forget = option == "--forget" ? [] : ["--forget", "2"];
        AssertOneErrorLineAndNoOutput(message, ["unlearn", "--model", Model(TaskPreset.Mnist4), .. forget, option, value]);
    }

    private void AssertOneErrorLineAndNoOutput(string message, string[] arguments)
    {
        var (exit, _, stderr) = LetheProcess.RunIn(Home, arguments);

        Assert.Equal(2, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(message, lines[0]);
        Assert.Single(Directory.GetFiles(_root));
    }

    [Theory]
    [InlineData("The forget fraction must lie strictly between 0 and 1", "--forget-fraction", "1.5")]
    [InlineData("does not exist; give a text file of training-sample indices", "--forget-samples", "no-such-file.txt")]
    [InlineData("line 2 of", "--forget-samples", "bad")]
    [InlineData("Forget sample indices repeat (4)", "--forget-samples", "repeated")]
    [InlineData("Name what to forget: --forget CLASSES", "--seed", "1")]
    public void Invalid_random_sample_request_is_one_error_line_exit_2_and_no_output(string message, string option, string value)
    {
        if (value is "bad" or "repeated")
        {
            value = Path.Combine(Path.GetTempPath(), $"lethe-samples-{Guid.NewGuid():N}.txt");
            File.WriteAllText(value, message.StartsWith("line", StringComparison.Ordinal) ? "# indices\n1, 2, x3\n" : "4 9\n4\n");
        }

        AssertOneErrorLineAndNoOutput(message, ["unlearn", "--model", Model(TaskPreset.Mnist4), option, value]);
    }

    [Fact]
    public void Dihyfo_refuses_random_sample_forgetting_before_any_work()
    {
        var (exit, _, stderr) = LetheProcess.RunIn(Home, "unlearn", "--model", Model(TaskPreset.Mnist4), "--forget-fraction", "0.1", "--method", "dihyfo2", "--hypernet", "h", "--checkpoints", "c");

        Assert.Equal(2, exit);
        Assert.Contains("forgets classes, not individual samples", stderr);
    }

    [Fact]
    public void Dihyfo_request_with_a_hypernetwork_of_another_preset_fails_before_any_work()
    {
        // A tiny MNIST-4 DiHyFo-1 and its checkpoint folder, against an MNIST model.
        var mnist4 = TaskPreset.Mnist4;
        var batch = SyntheticCheckpoints.Create(mnist4, runs: 12, perRun: 4, seed: 3);
        var checkpoints = Path.Combine(_root, "checkpoints");
        var spec = new CollectionSpec { Preset = mnist4.Name, Runs = 12 }.Validated();
        ShardFolder.Open(checkpoints, create: true).Add(
            "shard-00000.safetensors", ShardFile.Serialize(batch, ShardedCollection.Metadata(spec, "npm", 0)), batch.Count, 0, 11, ShardedCollection.Metadata(spec, "npm"));
        var hypernet = Path.Combine(_root, "dihyfo1-tiny");
        var options = HypernetOptions.ForPreset("tiny", "dihyfo1") with { Steps = 10, EvaluateEvery = 10, LogEvery = 10 };
        using (var trainer = HypernetTrainer.Open(hypernet, options, mnist4, batch, "synthetic", SyntheticCheckpoints.Images(mnist4, 20, 3)))
        {
            trainer.Advance(options.Steps);
        }

        var model = Model(TaskPreset.Mnist);
        var (exit, _, stderr) = LetheProcess.RunIn(Home, "unlearn", "--model", model, "--forget", "2", "--method", "dihyfo1", "--hypernet", hypernet, "--checkpoints", checkpoints);

        Assert.Equal(2, exit);
        Assert.Contains("samples mnist4 nets (784-2-4); the model to unlearn is mnist (784-7-10)", stderr);
        Assert.Single(Directory.GetFiles(_root));
    }

    [Fact]
    public void Unreadable_model_file_is_named_in_the_error()
    {
        var garbage = Path.Combine(_root, "garbage.safetensors");
        File.WriteAllText(garbage, "not a safetensors file");

        var missing = LetheProcess.RunIn(Home, "unlearn", "--model", Path.Combine(_root, "missing.safetensors"), "--forget", "2");
        var corrupt = LetheProcess.RunIn(Home, "unlearn", "--model", garbage, "--forget", "2");

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("Cannot read model file", missing.Error);
        Assert.Equal(2, corrupt.ExitCode);
        Assert.Contains("garbage.safetensors", corrupt.Error);
    }

    [Fact]
    public void Unlearn_writes_a_loadable_model_and_its_report()
    {
        var model = Path.Combine(_root, "original.safetensors");
        var train = LetheProcess.RunIn(Home, "train-original", "--preset", "mnist4", "--out", model);
        Assert.True(train.ExitCode == 0, train.Output + train.Error);

        var unlearn = LetheProcess.RunIn(Home, "unlearn", "--model", model, "--forget", "2", "--method", "finetune");
        Assert.True(unlearn.ExitCode == 0, unlearn.Output + unlearn.Error);

        // The work was an unlearning request grain: another process finds it on the platform by its id.
        var id = System.Text.RegularExpressions.Regex.Match(unlearn.Output, @"request (cli-[0-9a-f]{32})").Groups[1].Value;
        var status = LetheProcess.RunIn(Home, "status", id);
        Assert.True(status.ExitCode == 0, status.Output + status.Error);
        Assert.Contains($"unlearning request {id}", status.Output);
        Assert.Contains("finetune on mnist4, forget {2}", status.Output);
        Assert.Contains("Completed", status.Output);

        var output = Path.Combine(_root, "original.finetune.forget2.safetensors");
        var (layout, _, metadata) = MlpFile.Load(output, TaskPreset.Mnist4.Architecture);
        Assert.Equal(1582, layout.Count);
        Assert.Equal("finetune", metadata["lethe.method"]);
        Assert.Equal("2", metadata["lethe.forget"]);
        foreach (var extension in new[] { "json", "md", "png" })
        {
            Assert.True(File.Exists(Path.Combine(_root, $"original.finetune.forget2.report.{extension}")), extension);
        }

        // An --out in folders that do not exist yet: they are made before the work (this failed after the work once).
        var nested = Path.Combine(_root, "new", "folder", "unlearned.safetensors");
        var intoNewFolder = LetheProcess.RunIn(Home, "unlearn", "--model", model, "--forget", "2", "--method", "finetune", "--out", nested);
        Assert.True(intoNewFolder.ExitCode == 0, intoNewFolder.Output + intoNewFolder.Error);
        Assert.Equal("finetune", MlpFile.Load(nested, TaskPreset.Mnist4.Architecture).Metadata["lethe.method"]);
        Assert.True(File.Exists(Path.Combine(_root, "new", "folder", "unlearned.report.json")));

        // An --out that is a folder is refused before any work, and nothing is written into it.
        var folder = Directory.CreateDirectory(Path.Combine(_root, "a-folder")).FullName;
        var intoFolder = LetheProcess.RunIn(Home, "unlearn", "--model", model, "--forget", "2", "--method", "finetune", "--out", folder);
        Assert.Equal(2, intoFolder.ExitCode);
        Assert.Contains("is a folder; expected the file the unlearned model is written to", intoFolder.Error);
        Assert.DoesNotContain("retraining the reference", intoFolder.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public void Bench_unlearn_judges_each_method_against_the_bars_with_gaps_paired_by_seed()
    {
        var json = Path.Combine(_root, "bench.json");
        var bench = LetheProcess.RunIn(Home, "bench", "unlearn", "--preset", "mnist4", "--forget", "2", "--seeds", "2", "--methods", "finetune", "--json", json);
        Assert.True(bench.ExitCode == 0, bench.Output + bench.Error);
        Assert.Contains("forget {2} against the bars", bench.Output);

        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var root = document.RootElement;
        var bars = root.GetProperty("bars").EnumerateArray().ToDictionary(b => b.GetProperty("method").GetString()!);
        Assert.Equal(["retrain#2", "finetune"], bars.Keys);

        // The finetune gap recomputed from the measured rows: per seed, finetune's acc_Dr minus retrain's.
        double Dr(string method, int seed) => root.GetProperty("measured").EnumerateArray()
            .Single(r => r.GetProperty("method").GetString() == method && r.GetProperty("seed").GetInt32() == seed)
            .GetProperty("figures").GetProperty("acc_Dr").GetDouble();
        var gaps = new[] { 1, 2 }.Select(seed => Dr("finetune", seed) - Dr("retrain", seed)).ToArray();
        var gap = bars["finetune"].GetProperty("figures").GetProperty("acc_Dr_gap");
        Assert.Equal(gaps.Average(), gap.GetProperty("mean").GetDouble(), 9);
        Assert.Equal(Math.Abs(gaps[0] - gaps[1]) / 2, gap.GetProperty("standard_error").GetDouble(), 9);
        Assert.Equal(2, gap.GetProperty("seeds").GetInt32());
        var missed = bars["finetune"].GetProperty("missed").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Equal(Math.Abs(gaps.Average()) > 0.02, missed.Contains("Dr"));
    }

    [Fact]
    public void Bench_unlearn_takes_several_forget_sets_and_a_first_seed()
    {
        var json = Path.Combine(_root, "bench-sets.json");
        var bench = LetheProcess.RunIn(Home, "bench", "unlearn", "--preset", "mnist4", "--forget", "2", "--forget", "3", "--seeds", "1", "--seed-from", "11", "--methods", "finetune", "--json", json);
        Assert.True(bench.ExitCode == 0, bench.Output + bench.Error);

        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var root = document.RootElement;
        Assert.Equal(["{2}", "{3}"], root.GetProperty("forget_sets").EnumerateArray().Select(f => f.GetString()));
        var measured = root.GetProperty("measured").EnumerateArray().ToList();
        Assert.All(measured, r => Assert.Equal(11, r.GetProperty("seed").GetInt32()));
        Assert.Equal(["{2}", "{3}"], measured.Where(r => r.GetProperty("method").GetString() == "finetune").Select(r => r.GetProperty("forget").GetString()));

        var zero = LetheProcess.RunIn(Home, "bench", "unlearn", "--seed-from", "0");
        Assert.Equal(2, zero.ExitCode);
        Assert.Contains("--seed-from must be at least 1; got 0.", zero.Error);
    }

    [Fact]
    public void Bench_unlearn_forgets_a_random_fraction_on_a_small_training_set_with_the_InvWNN_papers_metrics_paired_by_seed()
    {
        var json = Path.Combine(_root, "bench-fraction.json");
        var bench = LetheProcess.RunIn(Home, "bench", "unlearn", "--preset", "mnist4", "--forget-fraction", "0.1", "--seeds", "2", "--methods", "neggrad",
            "--train-samples", "400", "--epochs", "20", "--json", json);
        Assert.True(bench.ExitCode == 0, bench.Output + bench.Error);
        Assert.Contains("forget random 10%: the InvWNN paper's metrics", bench.Output);
        Assert.Matches(@"trained on 3[5-6]\d samples \(20 epochs\)", bench.Output);

        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var root = document.RootElement;
        Assert.Equal(["random 10%"], root.GetProperty("forget_sets").EnumerateArray().Select(f => f.GetString()));
        Assert.Empty(root.GetProperty("bars").EnumerateArray());
        var gaps = root.GetProperty("sample_forgetting").EnumerateArray().ToDictionary(g => g.GetProperty("gap").GetProperty("method").GetString()!, g => g.GetProperty("gap"));
        Assert.Equal(["original", "retrain", "retrain#2", "neggrad"], gaps.Keys);

        // UA = 1 - acc_Df; its gap to retrain recomputed from the measured rows, per seed.
        double Df(string method, int seed) => root.GetProperty("measured").EnumerateArray()
            .Single(r => r.GetProperty("method").GetString() == method && r.GetProperty("seed").GetInt32() == seed)
            .GetProperty("figures").GetProperty("acc_Df").GetDouble();
        var uaGaps = new[] { 1, 2 }.Select(seed => (1 - Df("original", seed)) - (1 - Df("retrain", seed))).ToArray();
        Assert.Equal(uaGaps.Average(), gaps["original"].GetProperty("ua_gap").GetProperty("mean").GetDouble(), 9);
        Assert.Equal(new[] { 1, 2 }.Average(seed => 1 - Df("neggrad", seed)), gaps["neggrad"].GetProperty("ua").GetProperty("mean").GetDouble(), 9);
        Assert.Equal(0, gaps["retrain"].GetProperty("average_gap").GetProperty("mean").GetDouble());

        var refused = LetheProcess.RunIn(Home, "bench", "unlearn", "--preset", "mnist4", "--forget-fraction", "1");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("strictly between 0 and 1", refused.Error);
    }
}
