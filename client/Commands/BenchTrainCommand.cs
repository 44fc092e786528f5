using System.CommandLine;
using System.Diagnostics;
using Lethe.ML.Benchmarks;
using Lethe.ML.Data;
using Lethe.ML;
using Lethe.ML.Hypernet;
using Lethe.ML.Storage;
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
    public static readonly Option<string?> Data = new("--data") { Description = "A checkpoint folder written by 'lethe collect --out': train on it instead of synthetic checkpoints (needs --sources)." };
    public static readonly Option<bool> Sources = new("--sources")
    {
        Description = "With --data: time training steps reading minibatches from the memory-mapped shards against the same dataset held in memory, in alternating blocks of one run; prints the throughput ratio and each side's memory.",
    };

    public static Command Create()
    {
        var command = new Command("train", "Hypernetwork training steps: samples/s and GFLOP/s vs the matmul peak measured in the same run.")
        {
            Variant, Preset, Seconds, Data, Sources, TrainCommand.Threads, BenchCommand.Json,
        };
        command.SetAction((result, cancellation) => CliAction.Run(() => Task.Run(() =>
        {
            TrainCommand.ApplyThreads(result);
            var options = HypernetOptions.ForPreset(result.GetValue(Preset)!, HypernetVariant.Parse(result.GetValue(Variant)!).Name);
            if (result.GetValue(Sources) != (result.GetValue(Data) is not null))
            {
                throw new ArgumentException("--sources and --data go together: --data names the checkpoint folder whose two sources (mapped shards, in memory) are compared.");
            }

            if (result.GetValue(Data) is { } data)
            {
                var compared = CompareSources(options, data, result.GetValue(Seconds));
                BenchCommand.Report($"bench train --sources ({options.Variant}, {options.Preset})", compared, result.GetValue(BenchCommand.Json));
                return 0;
            }

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
            // 64 runs of 80: the held-out runs give the held-out loss its full batch of 512 pairs.
            var data = SyntheticCheckpoints.Create(task, 64, 80, 1);
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
            AnsiConsole.MarkupLine($"held-out losses, one pass against passes of {options.BatchSize} rows, alternating for {seconds / 2:F0} s ...");
            var heldOut = HeldOutPasses(trainer, options.BatchSize, seconds / 2);
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
                ["heldout_rows"] = trainer.HeldOutBatch,
                ["heldout_one_pass_ms"] = heldOut.OnePass * 1e3,
                ["heldout_in_passes_of_batch_ms"] = heldOut.InPasses * 1e3,
                ["heldout_speedup"] = heldOut.OnePass / heldOut.InPasses,
                ["heldout_loss_difference"] = heldOut.LossDifference,
                ["torch_threads"] = TorchSharp.torch.get_num_threads(),
                ["load_average_1min"] = LoadAverage(),
            };
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Seconds per held-out loss measured in one pass and in passes of <paramref name="rowsPerPass"/> rows, alternating
    /// until <paramref name="seconds"/> have passed, and the largest difference between the two losses.
    /// </summary>
    private static (double OnePass, double InPasses, double LossDifference) HeldOutPasses(HypernetTrainer trainer, int rowsPerPass, double seconds)
    {
        int[] passes = [int.MaxValue, rowsPerPass];
        var time = new double[2];
        var count = 0;
        var difference = 0.0;
        var total = Stopwatch.StartNew();
        do
        {
            var losses = new double[2];
            for (var i = 0; i < 2; i++)
            {
                var watch = Stopwatch.StartNew();
                losses[i] = trainer.MeasureHeldOutLoss(passes[i]);
                time[i] += watch.Elapsed.TotalSeconds;
            }

            difference = Math.Max(difference, Math.Abs(losses[0] - losses[1]));
            count++;
        }
        while (total.Elapsed.TotalSeconds < seconds || count < 3);

        return (time[0] / count, time[1] / count, difference);
    }

    /// <summary>
    /// Training steps on one dataset from two sources, in the same process and the same minutes: the shards memory-mapped
    /// (what the trainer grain uses) and every checkpoint read into one in-memory batch. Each side trains its own model
    /// with the same options and seed; blocks of steps alternate so load on the machine falls on both alike. Memory is
    /// sampled after each side is opened (the mapped side first, before the in-memory copy exists).
    /// </summary>
    public static Dictionary<string, object> CompareSources(HypernetOptions options, string data, double seconds)
    {
        const int Block = 5;
        var dataset = CheckpointDataset.Open(data);
        var root = Path.Combine(Path.GetTempPath(), $"lethe-bench-sources-{Guid.NewGuid():N}");
        var test = dataset.TestImages();
        try
        {
            var baseline = ChildMeasurement.MemoryOf(Environment.ProcessId)!.Value;
            var watch = Stopwatch.StartNew();
            using var mapped = dataset.OpenSource();
            var mappedOpen = watch.Elapsed.TotalSeconds;
            using var mappedTrainer = HypernetTrainer.Open(Path.Combine(root, "mapped"), options, dataset.Task, mapped, dataset.Identity, test);
            ProcessMemory.Trim();
            var afterMapped = ChildMeasurement.MemoryOf(Environment.ProcessId)!.Value;
            AnsiConsole.MarkupLine($"mapped {mapped.Count:N0} checkpoints in {mapped.ShardCount} shards ({mapped.Bytes / 1e9:F2} GB) in {mappedOpen:F1} s");
            watch.Restart();
            var memory = new InMemoryCheckpointSource(dataset.Shards.ReadAll());
            var memoryOpen = watch.Elapsed.TotalSeconds;
            using var memoryTrainer = HypernetTrainer.Open(Path.Combine(root, "memory"), options, dataset.Task, memory, dataset.Identity, test);
            ProcessMemory.Trim();
            var afterMemory = ChildMeasurement.MemoryOf(Environment.ProcessId)!.Value;
            AnsiConsole.MarkupLine($"read the same checkpoints into memory in {memoryOpen:F1} s");

            mappedTrainer.RunTrainingSteps(3);
            memoryTrainer.RunTrainingSteps(3);
            (string Name, HypernetTrainer Trainer, ICheckpointSource Source)[] sides = [("mapped", mappedTrainer, mapped), ("memory", memoryTrainer, memory)];
            var time = new double[2];
            var steps = new int[2];
            var rows = sides.Select(s => s.Source.RowsRead).ToArray();
            var nativeFailures = 0;
            AnsiConsole.MarkupLine($"alternating blocks of {Block} steps of batch {options.BatchSize} for {2 * seconds:F0} s ...");
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < 2 * seconds)
            {
                for (var i = 0; i < 2; i++)
                {
                    var block = Stopwatch.StartNew();
                    try
                    {
                        sides[i].Trainer.RunTrainingSteps(Block);
                    }
                    catch (System.Runtime.InteropServices.ExternalException e) when (nativeFailures < 5)
                    {
                        // TorchSharp 0.107 sometimes frees a temporary Scalar mid-call (see HypernetTrainer.Recoveries); the
                        // trainer rolls back to its checkpoint, a throughput bench just drops the block and counts it.
                        nativeFailures++;
                        AnsiConsole.MarkupLine($"[yellow]a {sides[i].Name} block failed in native code ({Markup.Escape(e.Message.Split('\n')[0].Trim())}); dropped[/]");
                        continue;
                    }

                    time[i] += block.Elapsed.TotalSeconds;
                    steps[i] += Block;
                }
            }

            var figures = new Dictionary<string, object>
            {
                ["dataset"] = dataset.Identity,
                ["checkpoints"] = mapped.Count,
                ["shards"] = mapped.ShardCount,
                ["shard_bytes"] = mapped.Bytes,
                ["variant"] = options.Variant,
                ["preset"] = options.Preset,
                ["batch"] = options.BatchSize,
                ["block_steps"] = Block,
            };
            for (var i = 0; i < 2; i++)
            {
                figures[$"{sides[i].Name}_steps"] = steps[i];
                figures[$"{sides[i].Name}_seconds"] = time[i];
                figures[$"{sides[i].Name}_steps_per_s"] = steps[i] / time[i];
                figures[$"{sides[i].Name}_rows_per_s"] = (sides[i].Source.RowsRead - rows[i]) / time[i];
            }

            figures["native_failures_dropped"] = nativeFailures;
            figures["mapped_open_seconds"] = mappedOpen;
            figures["memory_open_seconds"] = memoryOpen;
            figures["throughput_ratio_mapped_over_memory"] = steps[0] / time[0] / (steps[1] / time[1]);
            figures["anon_rss_before_gb"] = baseline.Anon / 1e9;
            figures["anon_rss_after_mapped_gb"] = afterMapped.Anon / 1e9;
            figures["file_rss_after_mapped_gb"] = afterMapped.File / 1e9;
            figures["anon_rss_after_memory_gb"] = afterMemory.Anon / 1e9;
            figures["anon_rss_memory_side_gb"] = (afterMemory.Anon - afterMapped.Anon) / 1e9;
            figures["anon_rss_mapped_side_gb"] = (afterMapped.Anon - baseline.Anon) / 1e9;
            figures["peak_rss_gb"] = ChildMeasurement.MemoryOf(Environment.ProcessId)!.Value.Hwm / 1e9;
            figures["torch_threads"] = TorchSharp.torch.get_num_threads();
            figures["load_average_1min"] = LoadAverage();
            return figures;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
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
