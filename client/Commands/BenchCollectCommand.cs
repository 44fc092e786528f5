using System.CommandLine;
using System.Diagnostics;
using Lethe.ML.Benchmarks;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Storage;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe bench collect</c>: checkpoints/s of the per-run loop (one run at a time, the way the papers collect) against
/// the vectorized engine, on the same runs and recipe, with the engine's GFLOP/s as a fraction of the matmul peak
/// measured in the same process.
/// </summary>
public static class BenchCollectCommand
{
    public static Command Create()
    {
        var runs = new Option<int>("--runs") { Description = "Runs trained by the vectorized engine.", DefaultValueFactory = _ => 512 };
        var loopRuns = new Option<int>("--loop-runs") { Description = "Runs trained one at a time by the per-run loop.", DefaultValueFactory = _ => 4 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per run.", DefaultValueFactory = _ => 3 };
        var viaGrains = new Option<bool>("--via-grains") { Description = "Instead: a whole job through the grains of an embedded silo vs the bare vectorized engine on the same runs." };
        var command = new Command("collect", "Per-run training loop vs vectorized collection: checkpoints/s, ratio, GFLOP/s vs measured matmul peak.")
        {
            CollectCommand.Preset, runs, loopRuns, epochs, CollectCommand.Data, BenchCommand.Json, viaGrains,
        };
        command.SetAction((result, cancellation) => CliAction.Run(() => Task.Run(async () =>
        {
            if (result.GetValue(viaGrains))
            {
                var jobSpec = (CollectionSpec.ForPreset(result.GetValue(CollectCommand.Preset)!) with
                {
                    Runs = result.GetValue(runs),
                    Epochs = result.GetValue(epochs),
                    Data = result.GetValue(CollectCommand.Data)!,
                }).Validated();
                var grainFigures = await BenchCollectViaGrains.Run(jobSpec, cancellation);
                BenchCommand.Report($"bench collect --via-grains ({jobSpec.Preset}, {jobSpec.Task.Architecture})", grainFigures, result.GetValue(BenchCommand.Json));
                return 0;
            }

            var spec = (CollectionSpec.ForPreset(result.GetValue(CollectCommand.Preset)!) with
            {
                Runs = Math.Max(result.GetValue(runs), result.GetValue(loopRuns)),
                Epochs = result.GetValue(epochs),
                Data = result.GetValue(CollectCommand.Data)!,
            }).Validated();
            var figures = Run(spec, result.GetValue(loopRuns), result.GetValue(runs), cancellation);
            BenchCommand.Report($"bench collect ({spec.Preset}, {spec.Task.Architecture})", figures, result.GetValue(BenchCommand.Json));
            return 0;
        }, cancellation)));
        return command;
    }

    public static Dictionary<string, object> Run(CollectionSpec spec, int loopRuns, int vectorRuns, CancellationToken cancellation)
    {
        var data = DigitsSource.Load(spec.Data, log: m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]")).For(spec.Task);
        var plan = spec.PlanRuns();
        AnsiConsole.MarkupLine("measuring the matmul peak ...");
        var peak = MatmulPeak.MeasureGflops();

        AnsiConsole.MarkupLine($"per-run loop: {loopRuns} runs x {spec.Epochs} epochs ...");
        var loopCollector = new PerRunCollector(data, spec);
        var watch = Stopwatch.StartNew();
        var loop = loopCollector.Collect(plan.Take(loopRuns).ToList(), cancellation: cancellation);
        var loopSeconds = watch.Elapsed.TotalSeconds;

        AnsiConsole.MarkupLine($"vectorized: {vectorRuns} runs x {spec.Epochs} epochs ...");
        var vectorCollector = new VectorizedCollector(data, spec);
        watch.Restart();
        var vector = vectorCollector.Collect(plan.Take(vectorRuns).ToList(), cancellation: cancellation);
        var vectorSeconds = watch.Elapsed.TotalSeconds;

        var schedule = vectorCollector.Schedule;
        var loopEvaluated = (double)loopRuns * schedule.CandidateCount;
        var vectorEvaluated = (double)vectorRuns * schedule.CandidateCount;
        var flops = vectorRuns * Flops(spec, schedule, data.Test.Count);
        var gflops = flops / vectorSeconds / 1e9;
        var (matched, maxDifference) = Agreement(loop, vector, loopRuns);
        return new Dictionary<string, object>
        {
            ["preset"] = spec.Preset,
            ["epochs"] = spec.Epochs,
            ["steps_per_run"] = schedule.TotalSteps,
            ["candidates_per_run"] = schedule.CandidateCount,
            ["loop_runs"] = loopRuns,
            ["loop_seconds"] = loopSeconds,
            ["loop_checkpoints_evaluated_per_s"] = loopEvaluated / loopSeconds,
            ["loop_checkpoints_saved_per_s"] = loop.Count / loopSeconds,
            ["loop_run_epochs_per_s"] = loopRuns * spec.Epochs / loopSeconds,
            ["vectorized_runs"] = vectorRuns,
            ["vectorized_seconds"] = vectorSeconds,
            ["vectorized_checkpoints_evaluated_per_s"] = vectorEvaluated / vectorSeconds,
            ["vectorized_checkpoints_saved_per_s"] = vector.Count / vectorSeconds,
            ["vectorized_run_epochs_per_s"] = vectorRuns * spec.Epochs / vectorSeconds,
            ["ratio_checkpoints_evaluated_per_s"] = vectorEvaluated / vectorSeconds / (loopEvaluated / loopSeconds),
            ["ratio_checkpoints_saved_per_s"] = vector.Count / vectorSeconds / (loop.Count / loopSeconds),
            ["vectorized_gflops"] = gflops,
            ["matmul_peak_gflops"] = peak,
            ["fraction_of_peak"] = gflops / peak,
            ["loop_checkpoints_matched_by_vectorized"] = $"{matched}/{loop.Count}",
            ["max_param_difference_loop_vs_vectorized"] = maxDifference,
        };
    }

    /// <summary>
    /// Matmul FLOPs per run: each step runs fc1 and fc2 forward, and backward the weight gradients of both layers and
    /// the input gradient of fc2 (the images need none); each candidate evaluates both layers on the test split.
    /// </summary>
    private static double Flops(CollectionSpec spec, TrainingSchedule schedule, int testCount)
    {
        var a = spec.Task.Architecture;
        double b = schedule.BatchSize;
        var train = (4.0 * b * a.Input * a.Hidden) + (6.0 * b * a.Hidden * a.Classes);
        var evaluate = 2.0 * testCount * ((a.Input * a.Hidden) + (a.Hidden * a.Classes));
        return (schedule.TotalSteps * train) + (schedule.CandidateCount * evaluate);
    }

    /// <summary>How many of the loop's checkpoints the vectorized engine also saved, and their largest parameter difference.</summary>
    private static (int Matched, double MaxDifference) Agreement(CheckpointBatch loop, CheckpointBatch vector, int loopRuns)
    {
        var index = new Dictionary<(int, int), int>();
        for (var i = 0; i < vector.Count; i++)
        {
            if (vector.Run[i] < loopRuns)
            {
                index[(vector.Run[i], vector.Step[i])] = i;
            }
        }

        var matched = 0;
        var max = 0.0;
        for (var i = 0; i < loop.Count; i++)
        {
            if (!index.TryGetValue((loop.Run[i], loop.Step[i]), out var j))
            {
                continue;
            }

            matched++;
            var a = loop.ParamsOf(i);
            var b = vector.ParamsOf(j);
            for (var p = 0; p < a.Length; p++)
            {
                max = Math.Max(max, Math.Abs(a[p] - b[p]));
            }
        }

        return (matched, max);
    }
}
