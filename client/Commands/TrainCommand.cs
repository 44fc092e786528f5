using System.CommandLine;
using Lethe.ML.Hypernet;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe train</c>: trains a DiHyFo-1 / DiHyFo-2 / G.pt hypernetwork in-process on a checkpoint folder, resuming
/// from the training folder's last checkpoint, publishing a version with its alignment report at every evaluation.
/// </summary>
public static class TrainCommand
{
    public static readonly Option<string> Root = new("--root") { Description = "Folder holding the trainings (one subfolder per name).", DefaultValueFactory = _ => Path.Combine(".lethe", "hypernets") };

    /// <summary>
    /// Torch intra-op threads. On a busy shared machine 1 thread is several times faster for these small matmuls:
    /// 2 threads spend their time waiting for each other when another process holds a core.
    /// </summary>
    public static readonly Option<int> Threads = new("--threads") { Description = "Torch CPU threads (1 is fastest on a busy machine).", DefaultValueFactory = _ => Environment.ProcessorCount };

    /// <summary>Applies --threads; call before any torch work.</summary>
    public static void ApplyThreads(ParseResult result)
    {
        var threads = result.GetValue(Threads);
        if (threads < 1)
        {
            throw new ArgumentException($"--threads must be at least 1; got {threads}.");
        }

        TorchSharp.torch.set_num_threads(threads);
    }

    public static Command Create()
    {
        var variant = new Option<string>("--variant") { Description = "dihyfo1 (θ, ℓ, ℓ* → θ*), dihyfo2 (ℓ* → θ*) or gpt (one global loss).", DefaultValueFactory = _ => "dihyfo2" };
        var data = new Option<string>("--data") { Description = "Checkpoint folder written by 'lethe collect'.", Required = true };
        var preset = new Option<string>("--preset") { Description = "Size preset: tiny (seconds), cpu (minutes on 2 cores), paper (d=1536, 12 layers; GPU).", DefaultValueFactory = _ => "cpu" };
        var name = new Option<string?>("--name") { Description = "Training name (default: VARIANT-PRESET); the same name resumes." };
        var steps = new Option<int?>("--steps") { Description = "Total optimiser steps (default: the preset's)." };
        var evaluateEvery = new Option<int?>("--eval-every") { Description = "Steps between prompt-alignment evaluations (each publishes a version)." };
        var batch = new Option<int?>("--batch") { Description = "Batch size." };
        var learningRate = new Option<double?>("--lr") { Description = "Peak learning rate (cosine schedule with warmup)." };
        var balance = new Option<double?>("--balance") { Description = "Target-loss resampling exponent in [0,1] (0: uniform pairs)." };
        var normalization = new Option<string?>("--normalization") { Description = "global (G.pt's one coefficient) or tensor (one per state-dict tensor)." };
        var weighting = new Option<string?>("--loss-weighting") { Description = "element (mean over all parameters, G.pt) or tensor (mean of per-tensor MSEs)." };
        var ema = new Option<double?>("--ema") { Description = "EMA decay." };
        var lossFrequency = new Option<double?>("--loss-frequency") { Description = "Highest frequency (log2) of the loss embeddings (default: the timestep's, G.pt's 14)." };
        var seed = new Option<int?>("--seed") { Description = "Training seed." };
        var command = new Command("train", "Train a weight-space diffusion hypernetwork on a checkpoint folder (resumes; publishes versions to NAME/models).")
        {
            variant, data, preset, name, Root, Threads, steps, evaluateEvery, batch, learningRate, balance, normalization, weighting, ema, lossFrequency, seed,
        };
        command.SetAction((result, cancellation) => CliAction.Run(() => Task.Run(() =>
        {
            ApplyThreads(result);
            var options = HypernetOptions.ForPreset(result.GetValue(preset)!, HypernetVariant.Parse(result.GetValue(variant)!).Name);
            options = options with
            {
                Steps = result.GetValue(steps) ?? options.Steps,
                EvaluateEvery = result.GetValue(evaluateEvery) ?? options.EvaluateEvery,
                BatchSize = result.GetValue(batch) ?? options.BatchSize,
                LearningRate = result.GetValue(learningRate) ?? options.LearningRate,
                Balance = result.GetValue(balance) ?? options.Balance,
                Normalization = result.GetValue(normalization) ?? options.Normalization,
                LossWeighting = result.GetValue(weighting) ?? options.LossWeighting,
                EmaDecay = result.GetValue(ema) ?? options.EmaDecay,
                LossFrequencyLog2 = result.GetValue(lossFrequency) ?? options.LossFrequencyLog2,
                Seed = result.GetValue(seed) ?? options.Seed,
            };
            options = options.Validated();
            var dataset = CheckpointDataset.Open(result.GetValue(data)!);
            var test = dataset.TestImages(m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]"));
            var folder = Path.Combine(result.GetValue(Root)!, result.GetValue(name) ?? $"{options.Variant}-{options.Preset}");
            using var trainer = HypernetTrainer.Open(folder, options, dataset.Task, dataset.Batch, dataset.Identity, test);
            AnsiConsole.MarkupLine(
                $"Training [bold]{options.Variant}[/] ({options.Preset}: d={options.Width}, {options.Layers} layers, {options.Heads} heads) in {Markup.Escape(folder)} " +
                $"on {trainer.TrainCheckpoints} checkpoints of {trainer.TrainRuns} runs ({trainer.HeldOutRuns} runs held out), from step {trainer.Step} of {options.Steps}.");
            var status = trainer.Status();
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("steps", maxValue: options.Steps);
                    task.Value = trainer.Step;
                    while (!trainer.Done && !cancellation.IsCancellationRequested)
                    {
                        var before = status.LatestVersion;
                        status = trainer.Advance(options.LogEvery, cancellation);
                        task.Value = status.Step;
                        task.Description = $"step {status.Step}: loss {status.TrainLoss:G3} (held-out {status.HeldOutLoss:G3}), {status.SamplesPerSecond:F0} samples/s";
                        if (status.LatestVersion != before && status.LatestAlignment is not null)
                        {
                            AnsiConsole.MarkupLine($"{status.LatestVersion}: alignment {Format(status.LatestAlignment)}; Pearson {Format(status.LatestPearson!)}");
                        }
                    }
                });
            cancellation.ThrowIfCancellationRequested();
            HypernetCommand.PrintStatus(folder, status);
            return 0;
        }, cancellation)));
        return command;
    }

    public static string Format(IReadOnlyDictionary<string, double> values) =>
        string.Join(", ", values.Select(p => $"{p.Key} {p.Value:F3}"));
}
