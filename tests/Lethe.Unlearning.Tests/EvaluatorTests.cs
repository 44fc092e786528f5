using Lethe.ML.Evaluation;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

public sealed class EvaluatorTests
{
    [Fact]
    public void Model_compared_with_itself_has_unlearning_score_one_and_full_overlap()
    {
        using var evaluator = new UnlearningEvaluator(TinyTask.Split([2]));
        var metrics = evaluator.Evaluate(TinyTask.Original, TinyTask.Original);
        Assert.Equal(1.0, metrics.UnlearningScore!.Value, 12);
        Assert.Equal(1.0, metrics.OverlapRetainTrain);
        Assert.Equal(1.0, metrics.OverlapForgetTrain);
        Assert.Equal(1.0, metrics.OverlapTest);
    }

    [Fact]
    public void Many_models_at_once_give_the_same_metrics_as_one_by_one()
    {
        using var evaluator = new UnlearningEvaluator(TinyTask.Split([2, 3]));
        var other = TinyTask.Split([2, 3]).Preset.Architecture;
        var random = Lethe.ML.Nets.ParameterLayout.For(other).InitialParameters(5);
        var together = evaluator.Evaluate([TinyTask.Original, random], TinyTask.Original);
        var alone = evaluator.Evaluate(random, TinyTask.Original);
        // Same figures up to float rounding: batched matmuls of different shapes may sum in another order.
        foreach (var (one, many) in alone.Figures().Zip(together[1].Figures()))
        {
            Assert.Equal(one.Name, many.Name);
            Assert.Equal(one.Value!.Value, many.Value!.Value, 6);
        }
    }

    [Fact]
    public void Model_that_never_saw_the_forget_class_scores_MIA_near_the_retrained_model()
    {
        var split = TinyTask.Split([2]);
        using var evaluator = new UnlearningEvaluator(split);
        var retrained = OriginalModelTrainer.Train(split.RetainTrain, split.Preset.Architecture, TinyTask.Recipe, seed: 21);
        var neverSaw = OriginalModelTrainer.Train(split.RetainTrain, split.Preset.Architecture, TinyTask.Recipe, seed: 22);
        var retrainedMia = evaluator.Evaluate(retrained).Mia;
        var neverSawMia = evaluator.Evaluate(neverSaw).Mia;
        var originalMia = evaluator.Evaluate(TinyTask.Original).Mia;
        Assert.InRange(Math.Abs(neverSawMia - retrainedMia), 0, 0.2);
        Assert.True(Math.Abs(originalMia - retrainedMia) > Math.Abs(neverSawMia - retrainedMia),
            $"original MIA {originalMia:F3} should be farther from retrained {retrainedMia:F3} than a never-saw model's {neverSawMia:F3}");
    }

    [Fact]
    public async Task Report_writes_JSON_Markdown_and_PNG()
    {
        var report = await FinetuneReport();
        var folder = Directory.CreateTempSubdirectory("lethe-report-").FullName;
        try
        {
            var files = report.WriteTo(folder, "finetune");
            Assert.All(files, f => Assert.True(new FileInfo(f).Length > 0, f));
            var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(files[0])).RootElement;
            Assert.Equal("finetune", json.GetProperty("method").GetString());
            Assert.Equal("D_r only + validation split", json.GetProperty("data_touched").GetString());
            Assert.Equal(0.05, json.GetProperty("hyper_parameters").GetProperty("learning_rate").GetDouble());
            Assert.Equal(1, json.GetProperty("seeds").GetProperty("original_init").GetInt32());
            Assert.Equal([2], json.GetProperty("forget").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(files[2])[..4]);
            Assert.Empty(Directory.GetFiles(folder, "*.tmp*"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Report_read_back_from_its_JSON_gives_the_same_JSON_and_Markdown()
    {
        var run = await FinetuneReport();
        var report = run with { HyperParameters = new Dictionary<string, object>(run.HyperParameters) { ["prompt_targets"] = new[] { 0.25f, 3.5f } } };

        var read = UnlearningReport.FromJson(report.ToJson(), "test");

        Assert.Equal(report.ToJson(), read.ToJson());
        Assert.Equal(report.ToMarkdown("r.png"), read.ToMarkdown("r.png"));
        Assert.Contains("prompt_targets = [0.25, 3.5]", read.ToMarkdown());
    }

    [Fact]
    public void Paper_tables_hold_every_forget_set_of_the_bench()
    {
        Assert.Equal(3, PaperTables.For("mnist4", [2]).Count);
        Assert.Equal(3, PaperTables.For("mnist", [0, 1, 2, 3, 4]).Count);
        var dihyfo2 = PaperTables.For("mnist", [2]).Single(r => r.Model == "dihyfo2");
        Assert.Equal(0.7369, dihyfo2.Figures["acc_Dr"]);
        Assert.Null(PaperTables.For("mnist4", [2, 3]).Single(r => r.Model == "retrain").Figures["phi"]);
    }

    /// <summary>Finetune unlearning {2} from the tiny original, measured against a model retrained on D_r.</summary>
    private static async Task<UnlearningReport> FinetuneReport()
    {
        var split = TinyTask.Split([2]);
        using var evaluator = new UnlearningEvaluator(split);
        var retrained = OriginalModelTrainer.Train(split.RetainTrain, split.Preset.Architecture, TinyTask.Recipe, seed: 21);
        var reference = new UnlearningExperiment.Reference(retrained, 21, evaluator.Evaluate(retrained, retrained));
        var (_, report) = await UnlearningExperiment.RunAsync(new FinetuneMethod(), new UnlearningRequest(TinyTask.Original, split, 1), evaluator, reference,
            new Dictionary<string, int> { ["original_init"] = 1 }, "tiny", evaluator.Evaluate(TinyTask.Original, retrained), new InlineUnlearningContext(), CancellationToken.None);
        return report;
    }
}
