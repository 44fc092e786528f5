using System.CommandLine;
using System.Globalization;
using Lethe.Client.Cluster;
using Lethe.Contracts.Hypernet;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using Spectre.Console;
using static TorchSharp.torch;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe sample</c>: samples task nets, through a sampler grain, with prompted per-class losses from a trained hypernetwork and writes them as
/// MLP state-dict safetensors (plus all of them as one <c>params [N,P]</c> matrix), optionally measuring their losses.
/// </summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A hypernetwork file (model.safetensors), a version folder (NAME/models/vNNNNNN), a training folder or a training name under --root (imported; its best version), or the name of a published hypernetwork.", Required = true };
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
        var command = new Command("sample", "Sample task nets with prompted per-class losses from a hypernetwork, through a sampler grain.")
        {
            model, TrainCommand.Root, target, current, currentLoss, count, seed, steps, sampler, digits, evaluate, output, CollectCommand.Cluster,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            var n = result.GetValue(count);
            if (n < 1)
            {
                throw new ArgumentException($"--count must be at least 1; got {n}.");
            }

            var modelArgument = result.GetValue(model)!;
            var underRoot = Path.Combine(result.GetValue(TrainCommand.Root)!, modelArgument);
            var named = File.Exists(modelArgument) || Directory.Exists(modelArgument) || !Directory.Exists(underRoot) ? modelArgument : underRoot;
            await using var connection = await LetheConnection.Open(result.GetValue(CollectCommand.Cluster), null, cancellation);
            var published = await HypernetTrainingSession.Resolve(connection, named, null, cancellation);
            var variant = HypernetVariant.Parse(published.Variant);
            var task = TaskPreset.Get(published.Task);
            var layout = ParameterLayout.For(task.Architecture);
            LabeledImages? test = null;
            LabeledImages Test() => test ??= DigitsSource.Load(result.GetValue(digits)!).For(task).Test;
            float[]? currentParameters = null;
            float[]? currentLosses = null;
            if (variant.ConditionsOnCurrent)
            {
                var currentPath = result.GetValue(current) ?? throw new ArgumentException($"{variant} samples from a current net: pass --current FILE (an MLP state dict).");
                currentParameters = MlpFile.Load(currentPath, task.Architecture).Flat;
                currentLosses = result.GetValue(currentLoss) is { } text
                    ? ParseLosses(text)
                    : Losses(layout, Test(), [currentParameters])[0];
                if (!variant.PerClassLosses && currentLosses.Length > 1)
                {
                    currentLosses = [currentLosses.Average()];
                }
            }

            var condition = new SamplingCondition(ParseLosses(result.GetValue(target)!), currentParameters, currentLosses);
            var sampled = await connection.Client.GetGrain<ISamplerGrain>(ISamplerGrain.KeyOf(published.Name, published.Version, 0))
                .Sample(new SampleRequest(published.Name, published.Version, [condition], n, result.GetValue(seed), result.GetValue(steps), result.GetValue(sampler)!));
            var vectors = sampled.Rows;
            var folder = result.GetValue(output)!;
            Directory.CreateDirectory(folder);
            var provenance = new Dictionary<string, string> { ["hypernet"] = $"{published.Name} {published.Version}", ["target"] = result.GetValue(target)! };
            for (var i = 0; i < n; i++)
            {
                MlpFile.Save(Path.Combine(folder, $"sample-{i:D3}.safetensors"), layout, vectors[i], provenance);
            }

            ShardFolder.WriteAtomically(Path.Combine(folder, "samples.safetensors"),
                SafetensorsFile.Write([SafetensorsTensor.Of("params", vectors.SelectMany(v => v).ToArray(), n, layout.Count)], provenance));
            AnsiConsole.MarkupLine($"{n} parameter vectors from {Markup.Escape(published.Name)} {published.Version} (sampled on silo {sampled.Silo}) written to {Markup.Escape(folder)}");
            if (result.GetValue(evaluate))
            {
                var losses = Losses(layout, Test(), vectors);
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
        }));
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
