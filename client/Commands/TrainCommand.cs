using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Lethe.Client.Cluster;
using Lethe.Contracts.Hypernet;
using Lethe.ML.Hypernet;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe train</c>: trains a DiHyFo-1 / DiHyFo-2 / G.pt hypernetwork through the hypernetwork trainer grain (the
/// Local platform's silo or <c>--cluster</c>), publishing a version with its alignment report at every evaluation, and
/// exports the training into a folder. Its dataset is a collection job id, or a checkpoint folder, which is imported
/// into the platform first. Rerunning the same command continues the training from its last durable checkpoint.
/// </summary>
public static partial class TrainCommand
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
        var variant = new Option<string>("--variant") { Description = "dihyfo1 (θ, ℓ, ℓ* → θ*), dihyfo2 (ℓ* → θ*), gpt (one global loss) or invwnn (the past-weight predictor, on a --trajectories collection).", DefaultValueFactory = _ => "dihyfo2" };
        var data = new Option<string>("--data") { Description = "A collection job id, or a checkpoint folder written by 'lethe collect' (imported into the platform).", Required = true };
        var preset = new Option<string>("--preset") { Description = "Size preset: tiny (seconds), cpu (minutes on 2 cores), paper (d=1536, 12 layers; GPU).", DefaultValueFactory = _ => "cpu" };
        var name = new Option<string?>("--name") { Description = "Training name (default: VARIANT-PRESET); the same name continues, and the training is exported to --root/NAME." };
        var steps = new Option<int?>("--steps") { Description = "Total optimiser steps (default: the preset's)." };
        var evaluateEvery = new Option<int?>("--eval-every") { Description = "Steps between prompt-alignment evaluations (each publishes a version)." };
        var batch = new Option<int?>("--batch") { Description = "Batch size." };
        var learningRate = new Option<double?>("--lr") { Description = "Peak learning rate (cosine schedule with warmup)." };
        var balance = new Option<double?>("--balance") { Description = "Target-loss resampling exponent in [0,1] (0: uniform pairs)." };
        var normalization = new Option<string?>("--normalization") { Description = "global (G.pt's one coefficient) or tensor (one per state-dict tensor)." };
        var weighting = new Option<string?>("--loss-weighting") { Description = "element (mean over all parameters, G.pt) or tensor (mean of per-tensor MSEs)." };
        var ema = new Option<double?>("--ema") { Description = "EMA decay." };
        var lossFrequency = new Option<double?>("--loss-frequency") { Description = "Highest frequency (log2) of the loss embeddings (default: the preset's; cpu: 4; tiny and paper: the timestep's, G.pt's 14)." };
        var seed = new Option<int?>("--seed") { Description = "Training seed." };
        var dropout = new Option<double?>("--condition-dropout") { Description = "Fraction of pairs trained without their target losses (learned null tokens), for classifier-free guidance; 0: none (G.pt)." };
        var scale = new Option<double?>("--scale-augmentation") { Description = "Rescale each hidden unit of a training pair by exp(U(-S, S)) (fc1 row and bias times it, fc2 column divided by it: the same ReLU function, so the same losses); 0: none (G.pt)." };
        var forgetting = new Option<double?>("--forgetting-pairs") { Description = "dihyfo1/gpt: share of training pairs drawn from forgetting transitions (a non-pivot class learned in the current checkpoint, forgotten in the target); 0: none." };
        var twins = new Option<double?>("--twin-pairs") { Description = "dihyfo1/gpt: share of training pairs whose target is the retrained twin of the current checkpoint's run (a dataset from 'lethe collect --retrained-twins'), a non-pivot class learned in the current checkpoint and never trained in the target; 0: none." };
        var cross = new Option<double?>("--cross-pairs") { Description = "dihyfo1/gpt: share of training pairs whose target comes from another run, a checkpoint with a non-pivot class forgotten and the pivots learned, the current checkpoint one with that class learned; 0: none." };
        var meanBase = new Option<bool?>("--mean-base") { Description = "dihyfo1/gpt: predict the target as the dataset-mean parameters plus the model's output (as dihyfo2) instead of the current parameters plus it (G.pt's residual); the current parameters stay an input. --mean-base false: the residual." };
        var guidance = new Option<double?>("--guidance") { Description = "Guidance scale w of the alignment sweeps and of the published versions' default sampling (needs --condition-dropout > 0; 1: none)." };
        var warmStart = new Option<string?>("--warm-start") { Description = "Start a new training from a trained hypernetwork of the same width and depth (a model file, training folder or published name): every tensor both share, and the input projections of the tokens both variants have (e.g. a DiHyFo-1 from a trained DiHyFo-2)." };
        var width = new Option<int?>("--width") { Description = "Transformer width d (default: the preset's)." };
        var layers = new Option<int?>("--layers") { Description = "Transformer blocks (default: the preset's)." };
        var command = new Command("train", "Train a weight-space diffusion hypernetwork on the grains from a collection job or a checkpoint folder; resumes; publishes versions and exports the training to --root/NAME.")
        {
            variant, data, preset, name, Root, Threads, steps, evaluateEvery, batch, learningRate, balance, normalization, weighting, ema, lossFrequency, dropout, scale, forgetting, twins, cross, meanBase, warmStart, guidance, width, layers, seed, CollectCommand.Cluster,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            var request = new HypernetTrainingRequest(result.GetValue(variant)!, result.GetValue(preset)!, [], result.GetValue(steps), result.GetValue(seed),
                result.GetValue(evaluateEvery), result.GetValue(batch), result.GetValue(learningRate), result.GetValue(balance), result.GetValue(normalization),
                result.GetValue(weighting), result.GetValue(ema), result.GetValue(lossFrequency), result.GetValue(dropout), result.GetValue(guidance),
                result.GetValue(width), result.GetValue(layers), result.GetValue(scale), result.GetValue(forgetting), result.GetValue(twins), result.GetValue(cross), result.GetValue(meanBase));
            var source = result.GetValue(data)!;
            if (!Directory.Exists(source) && !JobId().IsMatch(source))
            {
                throw new ArgumentException($"--data '{source}' is neither an existing checkpoint folder nor a collection job id (16 hex digits, printed by 'lethe collect').");
            }

            var threads = result.GetValue(Threads);
            if (threads < 1)
            {
                throw new ArgumentException($"--threads must be at least 1; got {threads}.");
            }

            await using var connection = await LetheConnection.Open(result.GetValue(CollectCommand.Cluster), new Dictionary<string, string?>
            {
                ["Lethe:Compute:TorchThreads"] = threads.ToString(CultureInfo.InvariantCulture),
            }, cancellation);
            if (result.GetValue(warmStart) is { } warm)
            {
                var published = await HypernetTrainingSession.Resolve(connection, warm, null, cancellation);
                request = request with { WarmStart = $"{published.Name}@{published.Version}" };
                AnsiConsole.MarkupLine($"[grey]warm start: {Markup.Escape(warm)} is {Markup.Escape(request.WarmStart)} ({published.Variant}/{published.Preset}, step {published.Step})[/]");
            }

            var plan = await connection.Client.GetGrain<IHypernetTrainerGrain>(result.GetValue(name) ?? request.Variant).Plan(request);
            var folder = Path.Combine(result.GetValue(Root)!, result.GetValue(name) ?? $"{plan.Variant}-{plan.Preset}");
            var job = Directory.Exists(source) ? await CollectionJobSession.Import(connection, source, cancellation) : source;
            if (Directory.Exists(source))
            {
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape(source)} is collection job {job} on {Markup.Escape(connection.Where)}[/]");
            }

            await TrainOnGrains(connection, [(request with { DatasetJobIds = [job] }, folder)], cancellation);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Trains on the grains, all <paramref name="trainings"/> at once (each on its own trainer grain, named after its
    /// folder): attaches the dataset jobs, starts the trainers (a finished one stays finished), follows them with one
    /// progress bar each (Ctrl+C cancels them), then exports each training into its folder. A folder that already holds
    /// the finished training is reused as it is.
    /// </summary>
    public static async Task TrainOnGrains(LetheConnection connection, IReadOnlyList<(HypernetTrainingRequest Request, string Folder)> trainings, CancellationToken cancellation)
    {
        var pending = new List<(HypernetTrainingSession Session, int Steps, string Folder)>();
        foreach (var (request, folder) in trainings)
        {
            var name = Path.GetFileName(Path.GetFullPath(folder));
            var session = new HypernetTrainingSession(connection, name);
            var plan = await connection.Client.GetGrain<IHypernetTrainerGrain>(name).Plan(request);
            if (FinishedIn(folder, plan, request.DatasetJobIds) is { } finished && await session.Status() is { State: HypernetTrainingState.Completed } done && done.Step == finished.Step
                && done.Request?.WarmStart == request.WarmStart)
            {
                AnsiConsole.MarkupLine($"[green]{Markup.Escape(name)}: trained ({finished.Step} steps, best {finished.BestVersion}); reusing {Markup.Escape(folder)}[/]");
                continue;
            }

            foreach (var job in request.DatasetJobIds)
            {
                await CollectionJobSession.Attach(connection, job, cancellation);
            }

            var started = await session.Start(request);
            AnsiConsole.MarkupLine(
                $"Training [bold]{plan.Variant}[/] ({(Lethe.ML.InvWnn.InvWnnTraining.IsVariant(plan.Variant) ? "two coordinate-wise predictors, weights and biases" : $"{plan.Preset}: d={plan.Width}, {plan.Layers} layers, {plan.Heads} heads")}) as [bold]{Markup.Escape(name)}[/] on job {string.Join(", ", request.DatasetJobIds)} " +
                $"on {Markup.Escape(connection.Where)}, {(started.State == HypernetTrainingState.Completed ? "finished" : $"from step {started.Step}")} of {plan.Steps}.");
            pending.Add((session, plan.Steps, folder));
        }

        if (pending.Count == 0)
        {
            return;
        }

        await Follow(pending.Select(p => (p.Session, p.Steps)).ToList(), cancellation);
        var registry = connection.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
        foreach (var (session, _, folder) in pending)
        {
            var exported = await session.Export(folder, cancellation);
            HypernetCommand.PrintStatus(exported, new TrainingFolder(exported).ReadStatus() ?? throw new InvalidDataException($"The exported training {exported} has no status.json."));
            if (await registry.Find(session.Name) is { } best)
            {
                AnsiConsole.MarkupLine($"published: [bold]{Markup.Escape(session.Name)}[/] {best.Version} (alignment score {best.Score:F3}) as {Markup.Escape(best.ArtifactKey)}; exported to {Markup.Escape(exported)}");
            }
        }
    }

    /// <summary>One progress bar per training over its trainer's status; Ctrl+C cancels every training on the silo, then this throws.</summary>
    private static async Task Follow(IReadOnlyList<(HypernetTrainingSession Session, int Steps)> trainings, CancellationToken cancellation)
    {
        try
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var followed = trainings.Select(async t =>
                    {
                        var bar = ctx.AddTask(t.Session.Name, maxValue: t.Steps);
                        await t.Session.WaitForCompletion(s =>
                        {
                            bar.Value = s.Step;
                            bar.Description = s.Step == 0 || double.IsNaN(s.TrainLoss)
                                ? $"{t.Session.Name}: loading the dataset{(s.Step == 0 ? "" : $" to continue from step {s.Step}")}"
                                : $"{t.Session.Name} step {s.Step}: loss {s.TrainLoss:G3} (held-out {s.HeldOutLoss:G3}){(s.LatestVersion is null ? "" : $", {s.LatestVersion} published")}";
                            if (s.Interruption is not null)
                            {
                                bar.Description = $"{t.Session.Name} [yellow]interrupted at step {s.Step}, resumes from its last checkpoint: {Markup.Escape(s.Interruption)}[/]";
                            }
                        }, TimeSpan.FromMilliseconds(500), cancellation);
                        bar.Value = t.Steps;
                    }).ToList();
                    await Task.WhenAll(followed);
                });
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped by the user: the trainings stop too (published versions and the last checkpoint stay), rather
            // than resuming in the next process.
            foreach (var (session, _) in trainings)
            {
                await session.Cancel();
            }

            throw;
        }
    }

    /// <summary>The status of <paramref name="folder"/> when it holds this training finished; null when it holds nothing; throws when it holds another training.</summary>
    private static HypernetTrainingStatus? FinishedIn(string folder, HypernetTrainingPlan options, IReadOnlyList<string> jobs)
    {
        var training = new TrainingFolder(folder);
        if (!training.HasDefinition)
        {
            return null;
        }

        var (stored, dataset, _, _, _) = training.ReadDefinition();
        var job = dataset.Split(':')[0];
        if (stored.Id != options.OptionsId || job != string.Join("+", jobs.Distinct().Order()))
        {
            throw new InvalidOperationException(
                $"{folder} holds a training of {stored.Variant}/{stored.Preset} on dataset {dataset} (options {stored.Id}); this request is {options.Variant}/{options.Preset} on job {string.Join("+", jobs)} (options {options.OptionsId}). Use another --name or --root.");
        }

        var status = training.ReadStatus();
        return status is not null && status.Step >= options.Steps && training.ReadBest() is not null && File.Exists(training.ModelPath()) ? status : null;
    }

    public static string Format(IReadOnlyDictionary<string, double> values) =>
        string.Join(", ", values.Select(p => $"{p.Key} {p.Value:F3}"));

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex JobId();
}
