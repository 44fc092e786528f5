using System.CommandLine;
using System.Globalization;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using Spectre.Console;
using static TorchSharp.torch;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe sample</c>: samples task nets with prompted per-class losses from a trained hypernetwork and writes them as
/// MLP state-dict safetensors (plus all of them as one <c>params [N,P]</c> matrix), optionally measuring their losses.
/// </summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A hypernetwork file (model.safetensors), a version folder (NAME/models/vNNNNNN), a training folder, or a training name under --root (its best version).", Required = true };
        var target = new Option<string>("--target") { Description = "Target test loss per class, comma-separated (G.pt: one global loss), e.g. 0.05,0.05,8,0.1.", Required = true };
        var current = new Option<string?>("--current") { Description = "DiHyFo-1 / G.pt: the current MLP (state-dict safetensors) to start from." };
        var currentLoss = new Option<string?>("--current-loss") { Description = "DiHyFo-1 / G.pt: its per-class losses (default: measured on the test digits)." };
        var count = new Option<int>("--count") { Description = "Parameter vectors to sample.", DefaultValueFactory = _ => 8 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed (the same seed gives the same vectors).", DefaultValueFactory = _ => 1 };
        var steps = new Option<int>("--steps") { Description = "Sampling steps (respaced from 1000).", DefaultValueFactory = _ => 50 };
        var sampler = new Option<string>("--sampler") { Description = "ddim (η = 0) or ddpm (ancestral, fixed large variances).", DefaultValueFactory = _ => "ddim" };
        var digits = new Option<string>("--digits") { Description = "Digits to measure losses on: npm or an IDX folder.", DefaultValueFactory = _ => "npm" };
        var evaluate = new Option<bool>("--evaluate") { Description = "Measure and print the per-class test losses of the samples." };
        var output = new Option<string>("--out") { Description = "Output folder for sample-NNN.safetensors and samples.safetensors.", Required = true };
        var command = new Command("sample", "Sample task nets with prompted per-class losses from a trained hypernetwork.")
        {
            model, TrainCommand.Root, target, current, currentLoss, count, seed, steps, sampler, digits, evaluate, output, TrainCommand.Threads,
        };
        command.SetAction((result, cancellation) => CliAction.Run(() => Task.Run(() =>
        {
            TrainCommand.ApplyThreads(result);
            var n = result.GetValue(count);
            if (n < 1)
            {
                throw new ArgumentException($"--count must be at least 1; got {n}.");
            }

            var modelArgument = result.GetValue(model)!;
            var path = TrainingFolder.ResolveModel(File.Exists(modelArgument) || Directory.Exists(modelArgument) ? modelArgument : Path.Combine(result.GetValue(TrainCommand.Root)!, modelArgument));
            using var hypernet = HypernetModel.Load(path);
            var task = TaskPreset.Get(hypernet.Metadata.GetValueOrDefault("task", "mnist4"));
            LabeledImages? test = null;
            LabeledImages Test() => test ??= DigitsSource.Load(result.GetValue(digits)!).For(task).Test;
            float[]? currentParameters = null;
            float[]? currentLosses = null;
            if (hypernet.Variant.ConditionsOnCurrent)
            {
                var currentPath = result.GetValue(current) ?? throw new ArgumentException($"{hypernet.Variant} samples from a current net: pass --current FILE (an MLP state dict).");
                currentParameters = MlpFile.Load(currentPath, hypernet.Layout.Architecture).Flat;
                currentLosses = result.GetValue(currentLoss) is { } text
                    ? ParseLosses(text)
                    : Losses(hypernet.Layout, Test(), [currentParameters])[0];
                if (!hypernet.Variant.PerClassLosses && currentLosses.Length > 1)
                {
                    currentLosses = [currentLosses.Average()];
                }
            }

            var vectors = hypernet.Sample(new SampleConditions(ParseLosses(result.GetValue(target)!), currentParameters, currentLosses), n, result.GetValue(seed), result.GetValue(steps), result.GetValue(sampler)!);
            var folder = result.GetValue(output)!;
            Directory.CreateDirectory(folder);
            for (var i = 0; i < n; i++)
            {
                MlpFile.Save(Path.Combine(folder, $"sample-{i:D3}.safetensors"), hypernet.Layout, vectors[i], new Dictionary<string, string> { ["hypernet"] = path, ["target"] = result.GetValue(target)! });
            }

            ShardFolder.WriteAtomically(Path.Combine(folder, "samples.safetensors"),
                SafetensorsFile.Write([SafetensorsTensor.Of("params", vectors.SelectMany(v => v).ToArray(), n, hypernet.Layout.Count)], new Dictionary<string, string> { ["hypernet"] = path, ["target"] = result.GetValue(target)! }));
            AnsiConsole.MarkupLine($"{n} parameter vectors written to {Markup.Escape(folder)}");
            if (result.GetValue(evaluate))
            {
                var losses = Losses(hypernet.Layout, Test(), vectors);
                var table = new Table().Title("test loss per class of the samples").AddColumn("sample");
                foreach (var c in task.Classes)
                {
                    table.AddColumn(new TableColumn(task.Pivots.Contains(c) ? $"class {c} (pivot)" : $"class {c}").RightAligned());
                }

                for (var i = 0; i < n; i++)
                {
                    table.AddRow([i.ToString(CultureInfo.InvariantCulture), .. losses[i].Select(v => v.ToString("F3", CultureInfo.InvariantCulture))]);
                }

                AnsiConsole.Write(table);
            }

            return 0;
        }, cancellation)));
        return command;
    }

    public static float[] ParseLosses(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0
                ? v
                : throw new FormatException($"'{t}' in '{text}' is not a loss; expected non-negative numbers, e.g. 0.05,0.05,8,0.1."))
            .ToArray();

    /// <summary>Per-class test losses of raw parameter vectors.</summary>
    public static float[][] Losses(ParameterLayout layout, LabeledImages test, IReadOnlyList<float[]> vectors)
    {
        using var scope = NewDisposeScope();
        using var evaluator = new PerClassEvaluator(test, layout.Architecture.Classes, CPU);
        var flat = tensor(vectors.SelectMany(v => v).ToArray(), [vectors.Count, layout.Count]);
        var (loss, _) = evaluator.EvaluateRows(layout, flat);
        var values = loss.data<float>().ToArray();
        return Enumerable.Range(0, vectors.Count).Select(i => values[(i * layout.Architecture.Classes)..((i + 1) * layout.Architecture.Classes)]).ToArray();
    }
}
