using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lethe.Client.Cluster;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Unlearning;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe demo</c>: the whole pipeline on MNIST-4 in one command, embedded: collect checkpoints through the grains,
/// train DiHyFo-1 and DiHyFo-2 (<c>cpu</c> preset, shortened), train the model to unlearn, then one unlearning request
/// per paper forget set with both variants, retrain and two fast baselines, compared with the retrained model and the
/// paper's Table 3/4. Every stage keeps its results in the work folder, so a second run reuses them.
/// </summary>
public static class DemoCommand
{
    /// <summary>The paper's MNIST-4 forget sets (§4).</summary>
    private static readonly int[][] ForgetSets = [[2], [2, 3]];

    /// <summary>Baselines cheap enough for the demo (seconds each on MNIST-4).</summary>
    private static readonly string[] FastBaselines = ["finetune", "neggrad+"];

    private static readonly string[] TableFigures = ["acc_Dr", "acc_Df", "acc_T", "mia", "overlap_T", "phi"];

    public static Command Create()
    {
        var work = new Option<string>("--work") { Description = "Folder for the demo's datasets, models and reports.", DefaultValueFactory = _ => Path.Combine(".lethe", "demo") };
        var runs = new Option<int>("--runs") { Description = "Training runs to collect.", DefaultValueFactory = _ => 256 };
        // The cpu preset's full 12,000 steps take ~26 min per variant on this machine; the demo's budget is 20 min in
        // all, so it trains each variant for a fraction of that (the full preset: 'lethe train --preset cpu').
        var steps = new Option<int>("--hypernet-steps") { Description = "Optimiser steps per DiHyFo variant (cpu preset; its full schedule is 12,000).", DefaultValueFactory = _ => 1500 };
        var command = new Command("demo", "Run the pipeline end to end on MNIST-4: collect checkpoints -> train DiHyFo-1/2 -> train a model -> unlearn {2} and {2,3} -> compare with retrain.")
        {
            work, runs, steps, UnlearnCommand.Candidates, TrainCommand.Threads,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            var watch = Stopwatch.StartNew();
            TrainCommand.ApplyThreads(result);
            var folder = result.GetValue(work)!;
            var hypernetSteps = result.GetValue(steps);
            if (hypernetSteps < 1)
            {
                throw new ArgumentException($"--hypernet-steps must be at least 1; got {hypernetSteps}.");
            }

            var candidates = result.GetValue(UnlearnCommand.Candidates);
            if (candidates < 1)
            {
                throw new ArgumentException($"--candidates must be at least 1; got {candidates}.");
            }

            var spec = new CollectionSpec { Preset = "mnist4", Runs = result.GetValue(runs) }.Validated();
            var checkpoints = Path.Combine(folder, "mnist4-checkpoints");
            // The demo keeps everything, the artifact store included, under its work folder.
            await using (var connection = await LetheConnection.Open(null, new Dictionary<string, string?>
            {
                ["Lethe:Artifacts:LocalPath"] = Path.GetFullPath(Path.Combine(folder, "artifacts")),
            }, cancellation))
            {
                AnsiConsole.Write(new Rule("[bold]1. Collect a checkpoint dataset (grains)[/]").LeftJustified());
                await CollectCommand.Collect(connection, spec, checkpoints, cancellation);
            }

            await Task.Run(() => RunStages(folder, checkpoints, hypernetSteps, candidates, cancellation), cancellation);
            AnsiConsole.MarkupLine($"[bold]demo finished in {watch.Elapsed.TotalMinutes:F1} min[/]; everything is in {Markup.Escape(Path.GetFullPath(folder))}");
            return 0;
        }));
        return command;
    }

    /// <summary>The torch stages, synchronous on one thread (no await inside torch work).</summary>
    private static void RunStages(string folder, string checkpoints, int hypernetSteps, int candidates, CancellationToken cancellation)
    {
        var dataset = CheckpointDataset.Open(checkpoints);
        var task = dataset.Task;
        var log = (string m) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]");
        var data = DigitsSource.Load(dataset.DigitsSource, log: log).For(task);

        AnsiConsole.Write(new Rule($"[bold]2. Train DiHyFo-1 and DiHyFo-2 (cpu preset, {hypernetSteps} steps each)[/]").LeftJustified());
        var hypernetFolders = new Dictionary<string, string>();
        foreach (var variant in UnlearningMethodCatalog.HypernetMethods)
        {
            var trainingFolder = Path.Combine(folder, "hypernets", $"{variant}-cpu-{hypernetSteps}");
            TrainHypernet(trainingFolder, variant, hypernetSteps, dataset, data.Test, cancellation);
            hypernetFolders[variant] = trainingFolder;
        }

        AnsiConsole.Write(new Rule("[bold]3. Train the model to unlearn[/]").LeftJustified());
        var recipe = new TrainingRecipe();
        var models = Path.Combine(folder, "models");
        Directory.CreateDirectory(models);
        Directory.CreateDirectory(Path.Combine(folder, "unlearned"));
        var (original, _) = CachedModel(Path.Combine(models, "original.safetensors"), task, "original", () =>
            OriginalModelTrainer.Train(ForgetSplit.Create(data, task, ForgetSets[0]).Train, task.Architecture, recipe, seed: 1, cancellation));

        AnsiConsole.Write(new Rule("[bold]4. Unlearn {2} and {2,3}: DiHyFo-1, DiHyFo-2, retrain and fast baselines[/]").LeftJustified());
        var hypernets = UnlearningMethodCatalog.HypernetMethods
            .Select(v => DiHyFoHypernet.Load(v, hypernetFolders[v], checkpoints, task, candidates))
            .ToList();
        var rows = new List<(int[] Forget, string Method, ModelMetrics Metrics, double Seconds)>();
        try
        {
            var reports = Path.Combine(folder, "reports");
            foreach (var forget in ForgetSets)
            {
                var split = ForgetSplit.Create(data, task, forget);
                using var evaluator = new UnlearningEvaluator(split);
                var tag = $"forget{string.Join("-", forget)}";
                var (reference, retrainSeconds) = CachedModel(Path.Combine(models, $"retrain-{tag}.safetensors"), task, $"retrained reference for {{{string.Join(",", forget)}}}", () =>
                    new RetrainMethod(recipe).Unlearn(new UnlearningRequest(original, split, 1), cancellation).Parameters);
                var referenceMetrics = evaluator.Evaluate(reference, reference);
                var retrained = new UnlearningExperiment.Reference(reference, RetrainMethod.FreshSeed(1), referenceMetrics);
                var originalMetrics = evaluator.Evaluate(original, reference);
                rows.Add((forget, "original", originalMetrics, 0));
                rows.Add((forget, "retrain", referenceMetrics, retrainSeconds));
                IEnumerable<IUnlearningMethod> methods = [.. hypernets.Select(h => h.Method), .. FastBaselines.Select(b => UnlearningMethodCatalog.CreateBaseline(b, recipe))];
                foreach (var method in methods)
                {
                    var (unlearned, report) = AnsiConsole.Status().Start($"{method.Name} unlearning {{{string.Join(",", forget)}}} ...", _ =>
                        UnlearningExperiment.Run(method, new UnlearningRequest(original, split, 1), evaluator, retrained, new Dictionary<string, int> { ["original_init"] = 1 }, data.Source, originalMetrics, cancellation));
                    var name = $"mnist4-{tag}-{method.Name.Replace("+", "plus")}";
                    MlpFile.Save(Path.Combine(folder, "unlearned", $"{name}.safetensors"), ParameterLayout.For(task.Architecture), unlearned.Parameters, new Dictionary<string, string>
                    {
                        ["lethe.method"] = method.Name,
                        ["lethe.preset"] = task.Name,
                        ["lethe.forget"] = string.Join(",", forget),
                    });
                    report.WriteTo(reports, name);
                    rows.Add((forget, method.Name, report.Unlearned, report.WallSeconds));
                    var m = report.Unlearned;
                    AnsiConsole.MarkupLine(Markup.Escape($"  {{{string.Join(",", forget)}}} {method.Name,-9} acc D_r {m.AccuracyRetainTrain:F4}  acc D_f {m.AccuracyForgetTrain:F4}  MIA {m.Mia:F4}  phi {m.UnlearningScore:F4}  {report.WallSeconds:F2} s"));
                }
            }

            AnsiConsole.MarkupLine($"reports (JSON, Markdown, PNG): {Markup.Escape(Path.GetFullPath(reports))}");
        }
        finally
        {
            hypernets.ForEach(h => h.Dispose());
        }

        Print(rows);
    }

    /// <summary>Trains (or resumes) one variant in its own folder; a finished training is reused as it is.</summary>
    private static void TrainHypernet(string trainingFolder, string variant, int steps, CheckpointDataset dataset, LabeledImages test, CancellationToken cancellation)
    {
        var statusPath = Path.Combine(trainingFolder, "status.json");
        if (File.Exists(statusPath) && HypernetTrainer.ReadBest(trainingFolder) is not null
            && JsonSerializer.Deserialize<HypernetTrainingStatus>(File.ReadAllText(statusPath)) is { } done && done.Step >= steps
            && File.Exists(HypernetTrainer.ModelPath(trainingFolder)))
        {
            AnsiConsole.MarkupLine($"[green]{variant}: trained ({done.Step} steps, best {done.BestVersion}); reusing {Markup.Escape(trainingFolder)}[/]");
            return;
        }

        // One evaluation at the end publishes the model (each alignment sweep costs as much as hundreds of steps).
        var options = HypernetOptions.ForPreset("cpu", variant) with { Steps = steps, EvaluateEvery = steps };
        using var trainer = HypernetTrainer.Open(trainingFolder, options, dataset.Task, dataset.Batch, dataset.Identity, test);
        var status = trainer.Status();
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask($"{variant}", maxValue: steps);
                bar.Value = trainer.Step;
                while (!trainer.Done && !cancellation.IsCancellationRequested)
                {
                    // Whole logging intervals: status.json cannot hold the NaN loss of a call that logged nothing.
                    status = trainer.Advance(options.LogEvery, cancellation);
                    bar.Value = status.Step;
                    bar.Description = $"{variant} step {status.Step}: loss {status.TrainLoss:G3}, {status.SamplesPerSecond:F0} samples/s";
                }
            });
        cancellation.ThrowIfCancellationRequested();
        AnsiConsole.MarkupLine($"{variant}: {status.Step} steps in {status.ElapsedSeconds / 60:F1} min; alignment {(status.LatestAlignment is null ? "n/a" : TrainCommand.Format(status.LatestAlignment))}");
    }

    /// <summary>
    /// Loads a model the demo saved before (architecture checked), or trains and saves it (temp + rename); with the
    /// training's wall time, kept in the file so a reused model still reports it.
    /// </summary>
    private static (float[] Parameters, double Seconds) CachedModel(string path, TaskPreset task, string what, Func<float[]> train)
    {
        const string secondsKey = "lethe.train_seconds";
        if (File.Exists(path))
        {
            var (_, flat, metadata) = MlpFile.Load(path, task.Architecture);
            AnsiConsole.MarkupLine($"[green]{Markup.Escape(what)}: reusing {Markup.Escape(path)}[/]");
            return (flat, double.TryParse(metadata.GetValueOrDefault(secondsKey), CultureInfo.InvariantCulture, out var stored) ? stored : 0);
        }

        var watch = Stopwatch.StartNew();
        var parameters = AnsiConsole.Status().Start($"training the {what} ...", _ => train());
        var seconds = watch.Elapsed.TotalSeconds;
        MlpFile.Save(path, ParameterLayout.For(task.Architecture), parameters, new Dictionary<string, string>
        {
            ["lethe.preset"] = task.Name,
            ["lethe.model"] = what,
            [secondsKey] = seconds.ToString("R", CultureInfo.InvariantCulture),
        });
        AnsiConsole.MarkupLine($"{Markup.Escape(what)} trained in {seconds:F1} s: {Markup.Escape(path)}");
        return (parameters, seconds);
    }

    private static void Print(List<(int[] Forget, string Method, ModelMetrics Metrics, double Seconds)> rows)
    {
        foreach (var forget in ForgetSets)
        {
            var table = new Table().Title($"MNIST-4, forget {{{string.Join(",", forget)}}}: measured against this run's retrained model, beside the paper (Tables 3-4)").AddColumn("model");
            foreach (var figure in TableFigures.Append("wall_s"))
            {
                table.AddColumn(new TableColumn(figure).RightAligned());
            }

            foreach (var p in PaperTables.For("mnist4", forget))
            {
                table.AddRow([Markup.Escape($"paper {p.Model}"), .. TableFigures.Select(f => p.Figures.TryGetValue(f, out var v) && v is { } value ? value.ToString("F4", CultureInfo.InvariantCulture) : ""), ""]);
            }

            foreach (var row in rows.Where(r => r.Forget.SequenceEqual(forget)))
            {
                var figures = row.Metrics.Figures().ToDictionary(f => f.Name, f => f.Value);
                table.AddRow([Markup.Escape(row.Method), .. TableFigures.Select(f => figures[f]?.ToString("F4", CultureInfo.InvariantCulture) ?? ""), row.Seconds > 0 ? row.Seconds.ToString("F2", CultureInfo.InvariantCulture) : ""]);
            }

            AnsiConsole.Write(table);
        }
    }
}
