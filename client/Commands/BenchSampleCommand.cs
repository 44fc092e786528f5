using System.CommandLine;
using System.Diagnostics;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe bench sample</c>: parameter vectors per second of 1000-step ancestral DDPM (G.pt's sampler) against 50-step
/// DDIM, with the same model and batch, and their ratio.
/// </summary>
public static class BenchSampleCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "A hypernetwork file to sample from (default: a freshly initialised model of --preset; the cost is the same)." };
        var count = new Option<int>("--count") { Description = "Vectors sampled per side (one batch).", DefaultValueFactory = _ => 32 };
        var ddimSteps = new Option<int>("--ddim-steps") { Description = "DDIM steps.", DefaultValueFactory = _ => 50 };
        var command = new Command("sample", "Parameter vectors/s: DDPM-1000 vs DDIM-50 on the same model and batch, and the ratio.")
        {
            model, BenchTrainCommand.Variant, BenchTrainCommand.Preset, count, ddimSteps, TrainCommand.Threads, BenchCommand.Json,
        };
        command.SetAction((result, cancellation) => CliAction.Run(() => Task.Run(() =>
        {
            TrainCommand.ApplyThreads(result);
            var path = result.GetValue(model);
            using var hypernet = path is not null
                ? HypernetModel.Load(path)
                : new HypernetModel(HypernetOptions.ForPreset(result.GetValue(BenchTrainCommand.Preset)!, HypernetVariant.Parse(result.GetValue(BenchTrainCommand.Variant)!).Name),
                    ML.Data.TaskPreset.Mnist4.Architecture, new ParameterNormalizer(ParameterLayout.For(ML.Data.TaskPreset.Mnist4.Architecture), [1f, 1f, 1f, 1f]));
            var n = result.GetValue(count);
            var width = hypernet.LossWidth;
            var conditions = new SampleConditions(
                Enumerable.Repeat(0.5f, width).ToArray(),
                hypernet.Variant.ConditionsOnCurrent ? hypernet.Layout.InitialParameters(1) : null,
                hypernet.Variant.ConditionsOnCurrent ? Enumerable.Repeat(1.4f, width).ToArray() : null);
            hypernet.Sample(conditions, 2, seed: 1, steps: 2);
            double Time(string sampler, int steps)
            {
                AnsiConsole.MarkupLine($"{sampler}-{steps}: {n} vectors ...");
                var watch = Stopwatch.StartNew();
                hypernet.Sample(conditions, n, seed: 1, steps: steps, sampler: sampler);
                return n / watch.Elapsed.TotalSeconds;
            }

            var ddim = Time("ddim", result.GetValue(ddimSteps));
            var ddpm = Time("ddpm", GaussianDiffusion.TrainingSteps);
            BenchCommand.Report($"bench sample ({hypernet.Variant}, {hypernet.Options.Preset})", new Dictionary<string, object>
            {
                ["variant"] = hypernet.Variant.Name,
                ["preset"] = hypernet.Options.Preset,
                ["vectors"] = n,
                ["ddpm_steps"] = GaussianDiffusion.TrainingSteps,
                ["ddpm_vectors_per_s"] = ddpm,
                ["ddim_steps"] = result.GetValue(ddimSteps),
                ["ddim_vectors_per_s"] = ddim,
                ["ddim_over_ddpm"] = ddim / ddpm,
                ["torch_threads"] = TorchSharp.torch.get_num_threads(),
                ["load_average_1min"] = BenchTrainCommand.LoadAverage(),
            }, result.GetValue(BenchCommand.Json));
            return 0;
        }, cancellation)));
        return command;
    }
}
