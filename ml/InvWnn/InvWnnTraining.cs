using System.Diagnostics;
using System.Text.Json;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using static TorchSharp.torch;

namespace Lethe.ML.InvWnn;

/// <summary>
/// A resumable InvWNN training in a folder (what <c>lethe train --variant invwnn</c> runs on a trainer grain):
/// <c>predictor.bin</c> (both predictors), <c>invwnn.json</c> (the step reached and the settings), <c>log.jsonl</c> (train
/// and held-out error per call), <c>status.json</c> (as a hypernetwork training's, so the CLI follows and exports it
/// alike) and <c>predicted-vs-true.png</c> (held-out past weights against the truth). Whole runs are held out. A resumed
/// training restarts Adam's moments; the predictor's weights and the step carry over.
/// </summary>
public sealed class InvWnnTraining : IDisposable
{
    public const string Variant = "invwnn";
    public const string PredictorFile = "predictor.bin";
    public const string StateFile = "invwnn.json";
    public const string PlotFile = "predicted-vs-true.png";

    private readonly string _folder;
    private readonly InvWnnPredictor _predictor;
    private readonly InvWnnTrainer _trainer;
    private readonly InvWnnTrajectories _heldOut;
    private readonly Settings _settings;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _trainLoss = double.NaN;
    private double _heldOutError = double.NaN;

    private InvWnnTraining(string folder, Settings settings, InvWnnPredictor predictor, InvWnnTrajectories train, InvWnnTrajectories heldOut, int step)
    {
        _folder = folder;
        _settings = settings;
        _predictor = predictor;
        _heldOut = heldOut;
        _trainer = new InvWnnTrainer(predictor, train, heldOut, settings.BatchSize, settings.LearningRate, settings.Seed + step);
        _trainer.ResumeAt(step);
    }

    public sealed record Settings(string Preset, int Steps, int Seed, int BatchSize, double LearningRate, string Dataset);

    public int Step => _trainer.Step;

    public static bool IsVariant(string variant) => variant.Equals(Variant, StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens (or continues) the training in <paramref name="folder"/> on a trajectory collection.</summary>
    public static InvWnnTraining Open(string folder, Settings settings, MlpArchitecture architecture, CheckpointBatch checkpoints)
    {
        if (settings.Steps < 1 || settings.BatchSize < 1 || settings.LearningRate <= 0)
        {
            throw new ArgumentException($"An InvWNN training needs steps >= 1, batch size >= 1 and a positive learning rate; got {settings.Steps}, {settings.BatchSize}, {settings.LearningRate}.");
        }

        Directory.CreateDirectory(folder);
        var trajectories = InvWnnTrajectories.From(checkpoints, ParameterLayout.For(architecture));
        var (train, heldOut) = trajectories.Split(0.2, settings.Seed);
        var statePath = Path.Combine(folder, StateFile);
        var predictorPath = Path.Combine(folder, PredictorFile);
        var step = 0;
        InvWnnPredictor predictor;
        if (File.Exists(statePath) && File.Exists(predictorPath))
        {
            var stored = JsonSerializer.Deserialize<State>(File.ReadAllText(statePath)) ?? throw new InvalidDataException($"{statePath} is empty.");
            if (stored.Settings with { Steps = settings.Steps } != settings with { Steps = settings.Steps })
            {
                throw new InvalidOperationException($"{folder} holds an InvWNN training of {stored.Settings}; this one is {settings}.");
            }

            step = stored.Step;
            predictor = InvWnnPredictor.Load(predictorPath);
        }
        else
        {
            predictor = new InvWnnPredictor(settings.Seed);
        }

        return new InvWnnTraining(folder, settings, predictor, train, heldOut, step);
    }

    /// <summary>Trains up to <paramref name="steps"/> more steps (not past the total), then measures and saves everything.</summary>
    public HypernetTrainingStatus Advance(int steps, CancellationToken cancellation)
    {
        var losses = new List<double>();
        var end = Math.Min(_settings.Steps, Step + Math.Max(1, steps));
        while (Step < end)
        {
            cancellation.ThrowIfCancellationRequested();
            losses.Add(_trainer.TrainStep());
        }

        if (losses.Count > 0)
        {
            _trainLoss = losses.Average();
        }

        var (predicted, noChange) = _trainer.HeldOutError();
        _heldOutError = predicted;
        _predictor.Save(Path.Combine(_folder, PredictorFile));
        ShardFolder.WriteAtomically(Path.Combine(_folder, StateFile), JsonSerializer.SerializeToUtf8Bytes(new State(_settings, Step)));
        File.AppendAllText(Path.Combine(_folder, TrainingFolder.LogFile),
            JsonSerializer.Serialize(new { step = Step, train_l1_normalised = _trainLoss, heldout_mae = predicted, heldout_mae_no_change = noChange }) + "\n");
        WritePlot(Path.Combine(_folder, PlotFile));
        var status = new HypernetTrainingStatus(Variant, _settings.Preset, Step, _settings.Steps, _trainLoss, predicted, _settings.LearningRate,
            _clock.Elapsed.TotalSeconds, 0, null, null, null, new Dictionary<string, double> { ["heldout_mae_no_change"] = noChange }, null);
        new TrainingFolder(_folder).WriteStatus(status);
        return status;
    }

    /// <summary>Predicted vs true θ^{t−U} of held-out coordinates (one window start per run), with the identity and the oldest snapshot ("no change").</summary>
    private void WritePlot(string path)
    {
        var layout = _heldOut.Layout;
        var rng = new Random(11);
        var coordinates = Enumerable.Range(0, 400).Select(_ => rng.Next(layout.Count)).Distinct().ToArray();
        var truth = new List<double>();
        var predicted = new List<double>();
        var oldest = new List<double>();
        foreach (var run in _heldOut.Snapshots)
        {
            var start = InvWnnWindow.Starts(run.Length).First();
            var past = _predictor.PredictPast(layout, run.Skip(start).Take(InvWnnWindow.Snapshots).ToArray());
            foreach (var c in coordinates)
            {
                truth.Add(run[start - InvWnnWindow.Rewind][c] - run[start][c]);
                predicted.Add(past[c] - run[start][c]);
                oldest.Add(0);
            }
        }

        var plot = new ScottPlot.Plot();
        var scatter = plot.Add.ScatterPoints(truth.ToArray(), predicted.ToArray());
        scatter.LegendText = "InvWNN: predicted θ^(t−3) − θ^t";
        var none = plot.Add.ScatterPoints(truth.ToArray(), oldest.ToArray());
        none.LegendText = "no change (the oldest snapshot)";
        var low = truth.DefaultIfEmpty(0).Min();
        var high = truth.DefaultIfEmpty(0).Max();
        var identity = plot.Add.Line(low, low, high, high);
        identity.LegendText = "identity";
        identity.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Title($"InvWNN step {Step}: held-out runs, {coordinates.Length} coordinates each, first window");
        plot.XLabel("true past weight − oldest snapshot");
        plot.YLabel("predicted past weight − oldest snapshot");
        plot.ShowLegend();
        var temp = path + ".tmp.png";
        plot.SavePng(temp, 900, 700);
        File.Move(temp, path, overwrite: true);
    }

    public void Dispose()
    {
        _trainer.Dispose();
        _predictor.Dispose();
    }

    private sealed record State(Settings Settings, int Step);
}
