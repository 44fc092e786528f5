using Lethe.ML.Collection;
using Lethe.ML.Evaluation;
using Lethe.ML.InvWnn;
using Lethe.ML.Nets;
using Lethe.ML.Unlearning;
using static TorchSharp.torch;

namespace Lethe.Unlearning.Tests;

public sealed class InvWnnTests
{
    private const int Epochs = 22;

    /// <summary>Trajectories of mnist4 runs from a trajectory collection (the data 'lethe train --variant invwnn' reads).</summary>
    private static readonly CollectionSpec Spec = new() { Runs = 10, Epochs = Epochs, Trajectories = true, Seed = 5 };

    private static readonly Lazy<Lethe.ML.Storage.CheckpointBatch> Batch = new(() => new VectorizedCollector(TinyTask.Data, Spec).Collect(Spec.PlanRuns()));

    private static readonly Lazy<InvWnnTrajectories> Collected = new(() => InvWnnTrajectories.From(Batch.Value, ParameterLayout.For(Spec.Task.Architecture)));

    /// <summary>A predictor trained briefly on 8 of the runs; the other 2 are held out.</summary>
    private static readonly Lazy<(InvWnnPredictor Predictor, double HeldOut, double NoChange)> Trained = new(() =>
    {
        var (train, heldOut) = Collected.Value.Split(0.2, seed: 1);
        var predictor = new InvWnnPredictor(seed: 2);
        using var trainer = new InvWnnTrainer(predictor, train, heldOut, batchSize: 1024, seed: 3);
        for (var i = 0; i < 300; i++)
        {
            trainer.TrainStep();
        }

        var (predicted, noChange) = trainer.HeldOutError();
        return (predictor, predicted, noChange);
    });

    [Fact]
    public void Windows_and_targets_line_up_with_the_epochs_of_a_known_trajectory()
    {
        // θ_i at epoch j = (i + 1)·0.01·(j + 1)² + run: every (run, epoch, coordinate) value is distinct and known.
        var layout = ParameterLayout.For(new MlpArchitecture(3, 2, 2));
        static float Value(int run, int epoch, int i) => ((i + 1) * 0.01f * (epoch + 1) * (epoch + 1)) + run;
        var trajectories = new InvWnnTrajectories(layout, [0, 1],
            [.. Enumerable.Range(0, 2).Select(r => Enumerable.Range(0, 20).Select(j => Enumerable.Range(0, layout.Count).Select(i => Value(r, j, i)).ToArray()).ToArray())]);
        Assert.Equal([3, 4, 5], InvWnnWindow.Starts(trajectories.Length));

        using var scope = NewDisposeScope();
        var biases = InvWnnPredictor.Coordinates(layout, InvWnnKind.Bias);
        Assert.Equal([6, 7, 12, 13], biases);
        var (window, target, scale) = InvWnnTrainer.Examples(trajectories, InvWnnKind.Bias);
        Assert.Equal([InvWnnWindow.Snapshots, 2 * 3 * biases.Length], window.shape);
        var row = 0;
        for (var run = 0; run < 2; run++)
        {
            foreach (var start in new[] { 3, 4, 5 })
            {
                foreach (var i in biases)
                {
                    for (var k = 0; k < InvWnnWindow.Snapshots; k++)
                    {
                        Assert.Equal(Value(run, start + k, (int)i), window[k, row].item<float>());
                    }

                    var past = window[0, row].item<float>() + (target[row].item<float>() * scale[row].item<float>());
                    Assert.Equal(Value(run, start - InvWnnWindow.Rewind, (int)i), past, 4);
                    row++;
                }
            }
        }

        // The predictor sees the window newest first, with older-minus-newer differences.
        var (x, d) = InvWnnWindow.Inputs(window);
        Assert.Equal(Value(0, 3 + 14, 6), x[0, 0].item<float>());
        Assert.Equal(Value(0, 3, 6), x[0, 14].item<float>());
        Assert.Equal(Value(0, 3 + 13, 6) - Value(0, 3 + 14, 6), d[0, 0].item<float>(), 5);
    }

    [Fact]
    public void Trained_predictor_recovers_a_synthetic_past_better_than_no_change()
    {
        // Linear-in-time coordinates with random offsets and slopes: the past three epochs back is exactly known.
        var layout = ParameterLayout.For(new MlpArchitecture(20, 5, 3));
        var rng = new Random(4);
        float[][] Run() =>
            Enumerable.Range(0, 1).SelectMany(_ =>
            {
                var a = Enumerable.Range(0, layout.Count).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
                var b = Enumerable.Range(0, layout.Count).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.02)).ToArray();
                return new[] { Enumerable.Range(0, 20).Select(j => a.Select((v, i) => v + (b[i] * j)).ToArray()).ToArray() };
            }).Single();
        var train = new InvWnnTrajectories(layout, [0, 1, 2], [Run(), Run(), Run()]);
        var heldOut = new InvWnnTrajectories(layout, [3], [Run()]);
        using var predictor = new InvWnnPredictor(seed: 1);
        using var trainer = new InvWnnTrainer(predictor, train, heldOut, batchSize: 512, seed: 2);
        for (var i = 0; i < 200; i++)
        {
            trainer.TrainStep();
        }

        var (predicted, noChange) = trainer.HeldOutError();
        Assert.True(predicted < 0.2 * noChange, $"held-out error {predicted:E3} vs no change {noChange:E3}");
    }

    [Fact]
    public void Predictor_trained_on_collected_trajectories_beats_no_change_on_held_out_runs()
    {
        var (_, predicted, noChange) = Trained.Value;
        Assert.True(predicted < noChange, $"held-out error {predicted:E3} vs no change {noChange:E3}");
    }

    [Fact]
    public void Saved_predictor_predicts_the_same_past()
    {
        var predictor = Trained.Value.Predictor;
        var t = Collected.Value;
        var window = t.Snapshots[0].Skip(5).Take(InvWnnWindow.Snapshots).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"invwnn-{Guid.NewGuid():N}.bin");
        try
        {
            predictor.Save(path);
            using var loaded = InvWnnPredictor.Load(path);
            Assert.Equal(predictor.PredictPast(t.Layout, window), loaded.PredictPast(t.Layout, window));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Training_in_a_folder_resumes_where_it_stopped()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"invwnn-training-{Guid.NewGuid():N}");
        var settings = new InvWnnTraining.Settings("tiny", 6, 1, 256, 1e-3, "test");
        try
        {
            float[] before;
            var window = Collected.Value.Snapshots[0].Skip(4).Take(InvWnnWindow.Snapshots).ToArray();
            using (var first = InvWnnTraining.Open(folder, settings, Spec.Task.Architecture, Batch.Value))
            {
                var status = first.Advance(4, CancellationToken.None);
                Assert.Equal((4, 6, false), (status.Step, status.Steps, status.Done));
                Assert.True(double.IsFinite(status.HeldOutLoss));
            }

            using (var saved = InvWnnPredictor.Load(Path.Combine(folder, InvWnnTraining.PredictorFile)))
            {
                before = saved.PredictPast(Collected.Value.Layout, window);
            }

            using var second = InvWnnTraining.Open(folder, settings, Spec.Task.Architecture, Batch.Value);
            Assert.Equal(4, second.Step);
            var done = second.Advance(100, CancellationToken.None);
            Assert.Equal((6, true), (done.Step, done.Done));
            Assert.Equal(2, File.ReadAllLines(Path.Combine(folder, "log.jsonl")).Length);
            Assert.True(File.Exists(Path.Combine(folder, InvWnnTraining.PlotFile)));
            using var after = InvWnnPredictor.Load(Path.Combine(folder, InvWnnTraining.PredictorFile));
            Assert.NotEqual(before, after.PredictPast(Collected.Value.Layout, window));

            // Another training's folder is refused rather than continued.
            var error = Assert.Throws<InvalidOperationException>(() => InvWnnTraining.Open(folder, settings with { Seed = 2 }, Spec.Task.Architecture, Batch.Value));
            Assert.Contains("holds an InvWNN training", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Trajectories_too_short_for_a_window_are_rejected_with_what_is_needed()
    {
        var spec = new CollectionSpec { Runs = 2, Epochs = 5, Trajectories = true };
        var batch = new VectorizedCollector(TinyTask.Data, spec).Collect(spec.PlanRuns());
        var error = Assert.Throws<InvalidDataException>(() => InvWnnTrajectories.From(batch, ParameterLayout.For(spec.Task.Architecture)));
        Assert.Contains("needs 18", error.Message);
    }

    [Fact]
    public async Task One_round_lowers_forget_accuracy()
    {
        var split = TinyTask.Split([2]);
        using var evaluator = new UnlearningEvaluator(split);
        var before = evaluator.Evaluate(TinyTask.Original).AccuracyForgetTrain;
        var method = new InvWnnMethod(Trained.Value.Predictor, "test", maxRounds: 1);
        var result = await TinyTask.Unlearn(method, new UnlearningRequest(TinyTask.Original, split, 1));
        var after = evaluator.Evaluate(result.Parameters).AccuracyForgetTrain;
        Assert.Equal(1, (int)result.Details["rounds_run"]);
        Assert.True(after < before, $"forget accuracy {before:F3} -> {after:F3}");
    }

    [Fact]
    public async Task Rounds_stop_once_validation_forget_accuracy_reaches_the_target()
    {
        var split = TinyTask.Split([2]);
        var method = new InvWnnMethod(Trained.Value.Predictor, "test", maxRounds: 40);
        var result = await TinyTask.Unlearn(method, new UnlearningRequest(TinyTask.Original, split, 1, TargetForgetAccuracy: 0.5));
        Assert.Equal("validation forget accuracy reached the target", result.Details["stopped_by"]);
        var curve = (double[])result.Details["validation_forget_accuracy_per_round"];
        Assert.True(curve[^1] <= 0.5 && curve[..^1].All(f => f > 0.5), string.Join(", ", curve));
        Assert.True((int)result.Details["rounds_run"] < 40);
    }
}
