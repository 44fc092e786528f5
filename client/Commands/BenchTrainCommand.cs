using System.CommandLine;
using System.Diagnostics;
using Lethe.ML.Benchmarks;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe bench train</c>: hypernetwork training throughput (samples/s) and its GFLOP/s (3 × the analytic forward
/// FLOPs per sample) as a fraction of the fp32 matmul peak measured in the same process.
/// </summary>
public static class BenchTrainCommand
{
    public static readonly Option<string> Variant = new("--variant") { Description = "dihyfo1, dihyfo2 or gpt.", DefaultValueFactory = _ => "dihyfo2" };
    public static readonly Option<string> Preset = new("--preset") { Description = "Size preset: tiny, cpu or paper.", DefaultValueFactory = _ => "cpu" };
    public static readonly Option<double> Seconds = new("--seconds") { Description = "Seconds of timed work per measured side.", DefaultValueFactory = _ => 20 };

    public static Command Create()
    {
        var command = new Command("train", "Hypernetwork training steps: samples/s and GFLOP/s vs the matmul peak measured in the same run.")
        {
            Variant, Preset, Seconds, TrainCommand.Threads, BenchCommand.Json,
        };
        command.SetAction((result, cancellation) => CliAction.Run(() => Task.Run(() =>
        {
            TrainCommand.ApplyThreads(result);
            var options = HypernetOptions.ForPreset(result.GetValue(Preset)!, HypernetVariant.Parse(result.GetValue(Variant)!).Name);
            var figures = Run(options, result.GetValue(Seconds));
            BenchCommand.Report($"bench train ({options.Variant}, {options.Preset})", figures, result.GetValue(BenchCommand.Json));
            return 0;
        }, cancellation)));
        return command;
    }

    public static Dictionary<string, object> Run(HypernetOptions options, double seconds)
    {
        var task = TaskPreset.Mnist4;
        var folder = Path.Combine(Path.GetTempPath(), $"lethe-bench-train-{Guid.NewGuid():N}");
        try
        {
            AnsiConsole.MarkupLine("measuring the matmul peak ...");
            var peak = MatmulPeak.MeasureGflops(seconds: Math.Min(5, seconds / 2));
            // Synthetic checkpoints of the real shapes: throughput does not depend on the values.
            var data = SyntheticCheckpoints.Create(task, 64, 16, 1);
            using var trainer = HypernetTrainer.Open(folder, options, task, data, "synthetic", SyntheticCheckpoints.Images(task, 64, 1));
            trainer.RunTrainingSteps(3);
            var watch = Stopwatch.StartNew();
            var steps = 0;
            AnsiConsole.MarkupLine($"training steps of batch {options.BatchSize} for {seconds:F0} s ...");
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                trainer.RunTrainingSteps(1);
                steps++;
            }

            var elapsed = watch.Elapsed.TotalSeconds;
            var samplesPerSecond = steps * options.BatchSize / elapsed;
            var gflops = samplesPerSecond * trainer.TrainFlopsPerSample / 1e9;
            return new Dictionary<string, object>
            {
                ["variant"] = options.Variant,
                ["preset"] = options.Preset,
                ["width"] = options.Width,
                ["layers"] = options.Layers,
                ["batch"] = options.BatchSize,
                ["train_mflop_per_sample"] = trainer.TrainFlopsPerSample / 1e6,
                ["steps"] = steps,
                ["seconds"] = elapsed,
                ["steps_per_s"] = steps / elapsed,
                ["samples_per_s"] = samplesPerSecond,
                ["train_gflops"] = gflops,
                ["matmul_peak_gflops"] = peak,
                ["fraction_of_peak"] = gflops / peak,
                ["torch_threads"] = TorchSharp.torch.get_num_threads(),
                ["load_average_1min"] = LoadAverage(),
            };
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The 1-minute load average (Linux), so figures taken on a shared machine say how busy it was.</summary>
    public static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }
}
