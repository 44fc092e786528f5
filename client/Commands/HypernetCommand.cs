using System.CommandLine;
using System.Text.Json;
using Lethe.ML.Hypernet;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary><c>lethe hypernet status NAME</c>: where a training stands and how its published versions align.</summary>
public static class HypernetCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Training name (a folder under --root)." };
        var status = new Command("status", "Show a training's step, losses, throughput and the alignment of its versions.") { name, TrainCommand.Root };
        status.SetAction(result => CliAction.Run(() =>
        {
            var folder = Path.Combine(result.GetValue(TrainCommand.Root)!, result.GetValue(name)!);
            var stored = new TrainingFolder(folder).ReadStatus()
                ?? throw new FileNotFoundException($"No training '{result.GetValue(name)}' under {result.GetValue(TrainCommand.Root)} ({Path.Combine(folder, TrainingFolder.StatusFile)} not found); start one with 'lethe train --name {result.GetValue(name)}'.");
            PrintStatus(folder, stored);
            return 0;
        }));
        var evaluateName = new Argument<string>("name") { Description = "Training name (a folder under --root)." };
        var data = new Option<string>("--data") { Description = "The checkpoint folder the training used.", Required = true };
        var version = new Option<string?>("--version") { Description = "Published version to evaluate (default: the best)." };
        var sampler = new Option<string>("--sampler") { Description = "ddim or ddpm.", DefaultValueFactory = _ => "ddim" };
        var steps = new Option<int>("--steps") { Description = "Sampling steps.", DefaultValueFactory = _ => 50 };
        var nets = new Option<int>("--nets")
        {
            Description = "Evaluation nets per sweep (training evaluates the preset's 8 to pick its best version; more nets give a smaller standard error).",
            DefaultValueFactory = _ => 32,
        };
        var json = new Option<string?>("--json") { Description = "Also write the report (every prompted and observed loss) to this JSON file." };
        var guidance = new Option<double?>("--guidance") { Description = "Classifier-free guidance scale (default: the training's; 1: none; others need a model trained with --condition-dropout)." };
        var evaluate = new Command("evaluate", "Re-measure prompt alignment of a published version (e.g. DDPM vs DDIM), printing the per-class table.")
        {
            evaluateName, TrainCommand.Root, data, version, sampler, steps, nets, guidance, json, TrainCommand.Threads,
        };
        evaluate.SetAction((result, cancellation) => CliAction.Run(() => Task.Run(() =>
        {
            TrainCommand.ApplyThreads(result);
            var folder = Path.Combine(result.GetValue(TrainCommand.Root)!, result.GetValue(evaluateName)!);
            var options = new TrainingFolder(folder).ReadDefinition().Options;
            // The training's own rules check the sweep settings before any data is loaded.
            var sweep = (options with { EvaluationNets = result.GetValue(nets), Sampler = result.GetValue(sampler)!, SamplingSteps = result.GetValue(steps) }).Validated();
            var dataset = CheckpointDataset.Open(result.GetValue(data)!);
            using var source = dataset.OpenSource();
            using var trainer = HypernetTrainer.Open(folder, options, dataset.Task, source, dataset.Identity, dataset.TestImages());
            var path = new TrainingFolder(folder).ModelPath(result.GetValue(version));
            using var model = HypernetModel.Load(path);
            var step = int.Parse(model.Metadata.GetValueOrDefault("step", "0"), System.Globalization.CultureInfo.InvariantCulture);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var report = trainer.Evaluate(model, step, sweep.EvaluationNets, sweep.Sampler, sweep.SamplingSteps, result.GetValue(guidance));
            AnsiConsole.MarkupLine($"{Markup.Escape(path)} evaluated in {watch.Elapsed.TotalSeconds:F1} s");
            PrintReport(report, $"{Markup.Escape(Path.GetFileName(Path.GetDirectoryName(path)!))} (step {report.Step}, {report.Sampler}-{report.SamplingSteps}, guidance {report.Guidance:G3}, {sweep.EvaluationNets} nets)");
            if (result.GetValue(json) is { } output)
            {
                JsonOutput.Write(output, report, what: "report");
            }

            return 0;
        }, cancellation)));
        return new Command("hypernet", "Inspect hypernetwork trainings.") { status, evaluate };
    }

    public static void PrintReport(AlignmentReport report, string title)
    {
        var table = new Table().Title(title)
            .AddColumn("class").AddColumn("prompt range").AddColumn(new TableColumn("alignment (R²) ± s.e.").RightAligned()).AddColumn(new TableColumn("Pearson").RightAligned());
        foreach (var c in report.Classes)
        {
            var label = c.Class < 0 ? "global" : c.Pivot ? $"{c.Class} (pivot)" : c.Class.ToString();
            table.AddRow(label, $"{c.PromptLow:F2} - {c.PromptHigh:F2}", $"{c.Alignment:F3} ± {c.AlignmentStandardError:F3}", $"{c.Pearson:F3}");
        }

        AnsiConsole.Write(table);
        foreach (var p in report.Pivots)
        {
            AnsiConsole.MarkupLine($"pivot {p.Class} during non-pivot sweeps: median loss {p.Median:F3}, 90th percentile {p.P90:F3}, {p.FractionWithinBound:P0} within its training range (<= {p.Bound:F3})");
        }
    }

    public static void PrintStatus(string folder, HypernetTrainingStatus status)
    {
        AnsiConsole.MarkupLine(
            $"[bold]{Markup.Escape(folder)}[/]: {status.Variant}/{status.Preset}, step {status.Step}/{status.Steps}{(status.Done ? " (done)" : "")}, " +
            $"train loss {status.TrainLoss:G4}, held-out loss {status.HeldOutLoss:G4}, {status.ElapsedSeconds / 60:F1} min, {status.SamplesPerSecond:F0} samples/s");
        var best = status.BestVersion is null ? null : Path.Combine(folder, "models", status.BestVersion, "alignment.json");
        if (best is null || !File.Exists(best))
        {
            AnsiConsole.MarkupLine("No version published yet.");
            return;
        }

        var report = JsonSerializer.Deserialize<AlignmentReport>(File.ReadAllText(best))!;
        PrintReport(report, $"best version {status.BestVersion} (step {report.Step}, {report.Sampler}-{report.SamplingSteps}, held-out nets)");
        AnsiConsole.MarkupLine($"model: {Markup.Escape(Path.Combine(folder, "models", status.BestVersion!, "model.safetensors"))}; plots in the same folder; learning curves: {Markup.Escape(Path.Combine(folder, "learning-curves.png"))}");
    }
}
