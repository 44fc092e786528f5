using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lethe.Client.Cluster;
using Lethe.Contracts.Unlearning;
using Lethe.ML.Hypernet;
using Lethe.ML.Storage;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe bench scale</c>: how the platform's phases grow with the dataset. For each size (MNIST-4 checkpoints) it
/// collects a dataset, trains a DiHyFo-2 hypernetwork on it for a fixed number of steps, and times DiHyFo-2 requests
/// against it, each phase a <c>lethe</c> child process of its own on one platform folder whose peak memory
/// (<see cref="ChildMeasurement"/>) is measured. Finished phases are recorded in <c>--home</c>/scale.json, so a rerun
/// reuses the datasets, trainings and figures it already made and continues where an interruption stopped it.
/// </summary>
public static partial class BenchScaleCommand
{
    /// <summary>MNIST-4 checkpoints kept per run by the saving heuristics (75,628 from 4,096 runs, seed 1).</summary>
    private const double CheckpointsPerRun = 18.46;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var sizes = new Option<string>("--sizes") { Description = "Dataset sizes in MNIST-4 checkpoints, comma-separated (runs = size / 18.46).", DefaultValueFactory = _ => "20000,200000,2000000" };
        var home = new Option<string>("--home") { Description = "Folder of the bench's platform, datasets, hypernetworks and figures (reused by a rerun).", DefaultValueFactory = _ => Path.Combine(".lethe", "bench-scale") };
        var requests = new Option<int>("--requests") { Description = "DiHyFo-2 requests timed per size (after one warm-up request).", DefaultValueFactory = _ => 20 };
        var steps = new Option<int>("--train-steps") { Description = "DiHyFo-2 (cpu preset) training steps per size.", DefaultValueFactory = _ => 300 };
        var candidates = new Option<int>("--candidates") { Description = "Candidates sampled per request.", DefaultValueFactory = _ => 16 };
        var phase = new Option<string?>("--phase") { Description = "Internal: run one phase in this process (requests).", Hidden = true };
        var job = new Option<string?>("--job") { Hidden = true };
        var hypernet = new Option<string?>("--hypernet") { Hidden = true };
        var model = new Option<string?>("--model") { Hidden = true };
        var output = new Option<string?>("--out") { Hidden = true };
        var command = new Command("scale", "Collection checkpoints/s, training rows/s and DiHyFo request latency (p50/p95) at growing dataset sizes, each phase's peak memory (anonymous and file-backed) measured in its own process.")
        {
            sizes, home, requests, steps, candidates, BenchCommand.Json, phase, job, hypernet, model, output,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            var count = result.GetValue(requests);
            var candidateCount = result.GetValue(candidates);
            if (count < 1 || candidateCount < 1 || result.GetValue(steps) < 1)
            {
                throw new ArgumentException($"--requests, --candidates and --train-steps must be at least 1; got {count}, {candidateCount} and {result.GetValue(steps)}.");
            }

            if (result.GetValue(phase) is { } name)
            {
                return name == "requests"
                    ? await TimeRequests(result.GetValue(job)!, result.GetValue(hypernet)!, result.GetValue(model)!, count, candidateCount, result.GetValue(output)!, cancellation)
                    : throw new ArgumentException($"Unknown phase '{name}'; accepted: requests.");
            }

            var parsed = result.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
                int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 100
                    ? n
                    : throw new ArgumentException($"--sizes takes whole numbers of checkpoints of at least 100, separated by commas; '{s}' is not one.")).Distinct().Order().ToArray();
            var figures = await Run(Path.GetFullPath(result.GetValue(home)!), parsed, count, result.GetValue(steps), candidateCount, cancellation);
            if (result.GetValue(BenchCommand.Json) is { } json)
            {
                JsonOutput.Write(json, figures);
            }

            return 0;
        }));
        return command;
    }

    private static async Task<Dictionary<string, object>> Run(string home, int[] sizes, int requests, int steps, int candidates, CancellationToken ct)
    {
        Directory.CreateDirectory(home);
        var statePath = Path.Combine(home, "scale.json");
        var state = File.Exists(statePath)
            ? JsonSerializer.Deserialize<Dictionary<string, SizeFigures>>(File.ReadAllText(statePath)) ?? []
            : [];
        void Save() => ShardFolder.WriteAtomically(statePath, JsonSerializer.SerializeToUtf8Bytes(state, Indented));
        var environment = new Dictionary<string, string> { ["LETHE_HOME"] = Path.Combine(home, "platform"), ["COLUMNS"] = "200" };
        var original = Path.Combine(home, "original.safetensors");
        if (!File.Exists(original))
        {
            AnsiConsole.MarkupLine("training the model the requests unlearn ...");
            (await ChildMeasurement.Run(["train-original", "--preset", "mnist4", "--out", original], environment, ct)).Succeeded("lethe train-original");
        }

        foreach (var size in sizes)
        {
            var runs = (int)Math.Ceiling(size / CheckpointsPerRun);
            var key = runs.ToString(CultureInfo.InvariantCulture);
            var figures = state.GetValueOrDefault(key) ?? new SizeFigures { Runs = runs };
            state[key] = figures;
            if (figures.Collect is null)
            {
                AnsiConsole.MarkupLine($"[bold]{size:N0}[/] checkpoints: collecting {runs:N0} runs ...");
                var collect = (await ChildMeasurement.Run(["collect", "--preset", "mnist4", "--runs", key, "--out", Path.Combine(home, $"data-{runs}")], environment, ct))
                    .Succeeded($"lethe collect --runs {runs}");
                figures.JobId = JobLine().Match(collect.Output) is { Success: true } m ? m.Groups[1].Value : throw new InvalidDataException("lethe collect printed no job id.");
                figures.Checkpoints = CheckpointsLine().Match(collect.Output) is { Success: true } c
                    ? int.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture)
                    : throw new InvalidDataException("lethe collect printed no checkpoint count.");
                figures.Collect = Phase.Of(collect, figures.Checkpoints / collect.Seconds);
                figures.CollectWasResumed = collect.Output.Contains(", 0 to compute", StringComparison.Ordinal);
                Save();
            }

            // A training of another step count is another training (and its requests are timed again on it).
            var name = $"scale-{runs}-{steps}";
            if (figures.Train is null || figures.TrainSteps != steps)
            {
                figures.Requests = null;
                AnsiConsole.MarkupLine($"[bold]{figures.Checkpoints:N0}[/] checkpoints: training DiHyFo-2 for {steps} steps ...");
                var root = Path.Combine(home, "hypernets");
                var train = (await ChildMeasurement.Run(["train", "--variant", "dihyfo2", "--preset", "cpu", "--steps", steps.ToString(CultureInfo.InvariantCulture),
                    "--eval-every", steps.ToString(CultureInfo.InvariantCulture), "--data", figures.JobId!, "--name", name, "--root", root], environment, ct)).Succeeded($"lethe train on {figures.JobId}");
                var status = new TrainingFolder(Path.Combine(root, name)).ReadStatus()
                    ?? throw new InvalidDataException($"The training {name} wrote no status.");
                figures.Train = Phase.Of(train, status.SamplesPerSecond);
                figures.TrainSteps = steps;
                Save();
            }

            if (figures.Requests is null)
            {
                AnsiConsole.MarkupLine($"[bold]{figures.Checkpoints:N0}[/] checkpoints: timing {requests} DiHyFo-2 requests ({candidates} candidates) ...");
                var latencies = Path.Combine(home, $"requests-{runs}.json");
                var timed = (await ChildMeasurement.Run(["bench", "scale", "--phase", "requests", "--job", figures.JobId!, "--hypernet", name, "--model", original,
                    "--requests", requests.ToString(CultureInfo.InvariantCulture), "--candidates", candidates.ToString(CultureInfo.InvariantCulture), "--out", latencies], environment, ct))
                    .Succeeded($"DiHyFo-2 requests on {figures.JobId}");
                var seconds = JsonSerializer.Deserialize<double[]>(File.ReadAllText(latencies))!;
                figures.Requests = Phase.Of(timed, Percentile(seconds, 0.5));
                figures.RequestP95Seconds = Percentile(seconds, 0.95);
                Save();
            }
        }

        return Report(sizes.Select(s => state[((int)Math.Ceiling(s / CheckpointsPerRun)).ToString(CultureInfo.InvariantCulture)]).ToList(), requests, steps, candidates);
    }

    private static Dictionary<string, object> Report(List<SizeFigures> sizes, int requests, int steps, int candidates)
    {
        static string Gb(long bytes) => (bytes / 1e9).ToString("F2", CultureInfo.InvariantCulture);
        var table = new Table().Title($"bench scale (MNIST-4; training {steps} cpu-preset steps; {requests} DiHyFo-2 requests of {candidates} candidates)")
            .AddColumns("checkpoints", "runs", "collect ckpt/s", "collect anon/file GB", "train rows/s", "train anon/file GB", "request p50 s", "request p95 s", "request anon/file GB");
        foreach (var s in sizes)
        {
            table.AddRow(s.Checkpoints.ToString("N0", CultureInfo.InvariantCulture), s.Runs.ToString("N0", CultureInfo.InvariantCulture),
                s.CollectWasResumed ? $"{s.Collect!.Rate:F0} (reused)" : $"{s.Collect!.Rate:F0}", $"{Gb(s.Collect.PeakAnonBytes)} / {Gb(s.Collect.PeakFileBytes)}",
                $"{s.Train!.Rate:F0}", $"{Gb(s.Train.PeakAnonBytes)} / {Gb(s.Train.PeakFileBytes)}",
                $"{s.Requests!.Rate:F2}", $"{s.RequestP95Seconds:F2}", $"{Gb(s.Requests.PeakAnonBytes)} / {Gb(s.Requests.PeakFileBytes)}");
        }

        AnsiConsole.Write(table);
        var smallest = sizes[0];
        var largest = sizes[^1];
        var figures = new Dictionary<string, object>
        {
            ["sizes"] = sizes,
            ["requests_per_size"] = requests,
            ["train_steps"] = steps,
            ["candidates"] = candidates,
        };
        if (sizes.Count > 1)
        {
            var growth = new Dictionary<string, double>
            {
                ["checkpoints"] = (double)largest.Checkpoints / smallest.Checkpoints,
                ["collect_anon_peak"] = (double)largest.Collect!.PeakAnonBytes / smallest.Collect!.PeakAnonBytes,
                ["train_anon_peak"] = (double)largest.Train!.PeakAnonBytes / smallest.Train!.PeakAnonBytes,
                ["request_anon_peak"] = (double)largest.Requests!.PeakAnonBytes / smallest.Requests!.PeakAnonBytes,
                ["request_p50"] = largest.Requests.Rate / smallest.Requests.Rate,
                ["train_rows_per_s"] = largest.Train.Rate / smallest.Train.Rate,
            };
            figures["growth_largest_over_smallest"] = growth;
            AnsiConsole.MarkupLine(Markup.Escape($"largest over smallest ({growth["checkpoints"]:F0}x the checkpoints): anonymous peak collect {growth["collect_anon_peak"]:F2}x, train {growth["train_anon_peak"]:F2}x, request {growth["request_anon_peak"]:F2}x; request p50 {growth["request_p50"]:F2}x; train rows/s {growth["train_rows_per_s"]:F2}x"));
        }

        return figures;
    }

    /// <summary>The requests phase, in its own process: one warm-up request, then <paramref name="count"/> timed ones, submit to completed.</summary>
    private static async Task<int> TimeRequests(string job, string hypernet, string model, int count, int candidates, string output, CancellationToken ct)
    {
        await using var connection = await LetheConnection.Open(null, null, ct);
        var published = await HypernetTrainingSession.Resolve(connection, hypernet, null, ct);
        var bytes = await File.ReadAllBytesAsync(model, ct);
        await UnlearnCommand.AsOperator(connection);
        var seconds = new List<double>();
        for (var i = 0; i <= count; i++)
        {
            var request = connection.Client.GetGrain<IUnlearningRequestGrain>($"bench-scale-{Guid.NewGuid():N}");
            var watch = Stopwatch.StartNew();
            await request.Submit(new UnlearningRequestSpec(bytes, [2], "dihyfo2", "mnist4", Seed: 1, Tenant: UnlearnCommand.LocalTenant,
                Hypernet: published.Name, HypernetVersion: published.Version, Checkpoints: [job], Candidates: candidates));
            UnlearningOutcome outcome;
            while (!(outcome = await request.GetOutcome()).IsFinished)
            {
                await Task.Delay(20, ct);
            }

            if (outcome.Status != UnlearningStatus.Completed)
            {
                throw new InvalidOperationException($"A timed request failed: {outcome.Error}");
            }

            // The first request also retrains the reference it is measured against; later ones reuse it, as in service.
            if (i > 0)
            {
                seconds.Add(watch.Elapsed.TotalSeconds);
            }
        }

        ShardFolder.WriteAtomically(output, JsonSerializer.SerializeToUtf8Bytes(seconds));
        return 0;
    }

    /// <summary>The <paramref name="q"/> quantile of <paramref name="values"/> (any order), interpolated linearly.</summary>
    internal static double Percentile(double[] values, double q) => ML.Unlearning.LossSketch.Interpolate(values.Order().Select(v => (float)v).ToArray(), q);

    /// <summary>The job id line <c>lethe collect</c> prints.</summary>
    [GeneratedRegex(@"Job ([0-9a-f]+):")]
    internal static partial Regex JobLine();

    [GeneratedRegex(@"(\d+) checkpoints from \d+ runs")]
    private static partial Regex CheckpointsLine();

    /// <summary>One phase's figures: its rate (checkpoints/s, rows/s or p50 seconds) and its child process's memory.</summary>
    public sealed record Phase(double Rate, double Seconds, long PeakRssBytes, long PeakAnonBytes, long PeakFileBytes)
    {
        public static Phase Of(ChildMeasurement m, double rate) => new(rate, m.Seconds, m.PeakRssBytes, m.PeakAnonBytes, m.PeakFileBytes);
    }

    /// <summary>What is known of one size, saved after every phase.</summary>
    public sealed class SizeFigures
    {
        public int Runs { get; set; }

        public string? JobId { get; set; }

        public int Checkpoints { get; set; }

        public Phase? Collect { get; set; }

        public bool CollectWasResumed { get; set; }

        public Phase? Train { get; set; }

        /// <summary>The training steps <see cref="Train"/> measured; its rate is rows/s of optimiser steps (evaluations excluded).</summary>
        public int TrainSteps { get; set; }

        public Phase? Requests { get; set; }

        public double RequestP95Seconds { get; set; }
    }
}
