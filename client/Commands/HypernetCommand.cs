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
            var path = Path.Combine(folder, "status.json");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"No training '{result.GetValue(name)}' under {result.GetValue(TrainCommand.Root)} ({path} not found); start one with 'lethe train --name {result.GetValue(name)}'.");
            }

            PrintStatus(folder, JsonSerializer.Deserialize<HypernetTrainingStatus>(File.ReadAllText(path))!);
            return 0;
        }));
        return new Command("hypernet", "Inspect hypernetwork trainings.") { status };
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
        var table = new Table().Title($"best version {status.BestVersion} (step {report.Step}, {report.Sampler}-{report.SamplingSteps}, held-out nets)")
            .AddColumn("class").AddColumn("prompt range").AddColumn(new TableColumn("alignment (R²)").RightAligned()).AddColumn(new TableColumn("Pearson").RightAligned());
        foreach (var c in report.Classes)
        {
            var label = c.Class < 0 ? "global" : c.Pivot ? $"{c.Class} (pivot)" : c.Class.ToString();
            table.AddRow(label, $"{c.PromptLow:F2} - {c.PromptHigh:F2}", $"{c.Alignment:F3}", $"{c.Pearson:F3}");
        }

        AnsiConsole.Write(table);
        foreach (var p in report.Pivots)
        {
            AnsiConsole.MarkupLine($"pivot {p.Class} during non-pivot sweeps: median loss {p.Median:F3}, 90th percentile {p.P90:F3}, {p.FractionWithinBound:P0} within its training range (<= {p.Bound:F3})");
        }

        AnsiConsole.MarkupLine($"model: {Markup.Escape(Path.Combine(folder, "models", status.BestVersion!, "model.safetensors"))}; plots in the same folder; learning curves: {Markup.Escape(Path.Combine(folder, "learning-curves.png"))}");
    }
}
