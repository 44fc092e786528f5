using System.Diagnostics;
using Lethe.Client.Cluster;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe bench collect --via-grains</c>: run-epochs/s of a whole collection job through the grains of an embedded
/// silo (plan, run grains, executor batching, shard serialization, SHA-256, artifact commit) against the bare
/// <see cref="VectorizedCollector"/> training the same runs in one call, in the same process.
/// </summary>
public static class BenchCollectViaGrains
{
    public static async Task<Dictionary<string, object>> Run(CollectionSpec spec, CancellationToken cancellation)
    {
        var data = DigitsSource.Load(spec.Data, log: m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]"));
        // A platform folder of its own: the bench neither reuses the user's shards nor leaves any behind.
        var home = Directory.CreateTempSubdirectory("lethe-bench-");
        try
        {
            await using var connection = await LetheConnection.Open(null, new Dictionary<string, string?>
            {
                ["Lethe:Home"] = home.FullName,
            }, cancellation);

            // Warm-up, both sides: loading the digits and libtorch, and the first pass's allocations at this width,
            // belong to neither side's throughput.
            AnsiConsole.MarkupLine("warming up ...");
            var warmUp = spec with { Epochs = 1, Seed = spec.Seed + 1 };
            await Complete(connection, warmUp, cancellation);
            var collector = new VectorizedCollector(data, spec);
            collector.Collect(warmUp.PlanRuns(), cancellation: cancellation);

            AnsiConsole.MarkupLine($"through grains: {spec.Runs} runs x {spec.Epochs} epochs ...");
            var watch = Stopwatch.StartNew();
            var job = await Complete(connection, spec, cancellation);
            var grainSeconds = watch.Elapsed.TotalSeconds;

            AnsiConsole.MarkupLine($"bare engine: {spec.Runs} runs x {spec.Epochs} epochs in one Collect call ...");
            watch.Restart();
            var bare = collector.Collect(spec.PlanRuns(), cancellation: cancellation);
            var bareSeconds = watch.Elapsed.TotalSeconds;

            var runEpochs = (double)spec.Runs * spec.Epochs;
            return new Dictionary<string, object>
            {
                ["preset"] = spec.Preset,
                ["runs"] = spec.Runs,
                ["epochs"] = spec.Epochs,
                ["runs_per_shard"] = spec.RunsPerShard,
                ["grains_seconds"] = grainSeconds,
                ["grains_run_epochs_per_s"] = runEpochs / grainSeconds,
                ["grains_checkpoints"] = job.Checkpoints,
                ["bare_seconds"] = bareSeconds,
                ["bare_run_epochs_per_s"] = runEpochs / bareSeconds,
                ["bare_checkpoints"] = bare.Count,
                ["ratio_grains_to_bare"] = bareSeconds / grainSeconds,
            };
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    private static async Task<Contracts.Collection.JobProgress> Complete(LetheConnection connection, CollectionSpec spec, CancellationToken cancellation)
    {
        var session = await CollectionJobSession.Submit(connection, new Contracts.Collection.CollectionRequest(spec.Preset, spec.Runs, spec.Data, spec.Epochs, spec.Seed,
            NeverLearned: spec.NeverLearnedProbability, Undersample: spec.UndersampleProbability));
        await session.Start();
        return await session.WaitForCompletion(_ => { }, TimeSpan.FromMilliseconds(50), cancellation);
    }
}
