using System.CommandLine;
using System.Text;
using Lethe.Client.Cluster;
using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Hypernet;
using Lethe.Contracts.Unlearning;
using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe unlearn</c>: submits the model and the forget set as an unlearning request grain (the Local platform's silo
/// or <c>--cluster</c>), follows it, and writes the unlearned model (safetensors) and its report (JSON, Markdown, PNG)
/// against a model retrained on D_r. A hypernetwork file or checkpoint folder named on the command line is imported
/// into the platform first.
/// </summary>
public static class UnlearnCommand
{
    public static readonly Option<string> Method = new("--method") { Description = $"Unlearning method: {string.Join(", ", UnlearningMethodCatalog.All)}.", DefaultValueFactory = _ => "finetune" };
    public static readonly Option<string?> Forget = new("--forget") { Description = "Classes to forget, comma-separated non-pivot classes (e.g. 2,3)." };
    public static readonly Option<double?> ForgetFraction = new("--forget-fraction") { Description = "Instead of classes: forget this fraction of the training samples, in (0, 1), drawn with --seed (random-sample forgetting, e.g. 0.1)." };
    public static readonly Option<string?> ForgetSamplesFile = new("--forget-samples") { Description = "Instead of classes: a file of training-sample indices to forget (0-based into D, the preset's train split minus its validation carve-out; separated by commas, spaces or newlines; # starts a comment)." };

    /// <summary>The forget set of --forget, --forget-fraction or --forget-samples (exactly one), checked against the preset where one is named.</summary>
    public static ForgetSet ParseForgetSet(System.CommandLine.ParseResult result, int seed)
    {
        var classes = result.GetValue(Forget) is { } text ? CollectCommand.ParseClasses(text) : null;
        var fraction = result.GetValue(ForgetFraction);
        var samples = result.GetValue(ForgetSamplesFile) is { } file ? ReadSampleIndices(file) : null;
        if (classes is null && fraction is null && samples is null)
        {
            throw new ArgumentException("Name what to forget: --forget CLASSES (e.g. 2,3), --forget-fraction F (e.g. 0.1) or --forget-samples FILE.");
        }

        return ForgetSet.Of(classes, fraction, samples, seed);
    }

    /// <summary>Training-sample indices from a text file: integers separated by commas, spaces or newlines; '#' comments.</summary>
    public static int[] ReadSampleIndices(string file)
    {
        if (!File.Exists(file))
        {
            throw new ArgumentException($"--forget-samples: {file} does not exist; give a text file of training-sample indices.");
        }

        var indices = new List<int>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(file))
        {
            lineNumber++;
            var content = line.Split('#')[0];
            foreach (var token in content.Split([',', ' ', '\t', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                indices.Add(int.TryParse(token, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var index)
                    ? index
                    : throw new ArgumentException($"--forget-samples: line {lineNumber} of {file} holds '{token}', which is not a sample index (a whole number)."));
            }
        }

        return indices.ToArray();
    }

    public static readonly Option<int> Seed = new("--seed") { Description = "Seed of the method's randomness and of the retrained reference.", DefaultValueFactory = _ => 1 };
    public static readonly Option<string?> Hypernet = new("--hypernet") { Description = "dihyfo1/dihyfo2: the trained hypernetwork: a model.safetensors, a training folder from 'lethe train' (imported), or the name of a published one; invwnn: the name of its predictor training ('lethe train --variant invwnn --name NAME')." };
    public static readonly Option<string?> Checkpoints = new("--checkpoints") { Description = "dihyfo1/dihyfo2: the collection job id or checkpoint folder (imported) the hypernetwork was trained on (target-loss prompts come from its statistics)." };
    public static readonly Option<double> ForgetQuantile = new("--forget-quantile")
    {
        Description = "dihyfo1/dihyfo2: a forgotten class is prompted at this quantile of the losses of the dataset's checkpoints that never learned it (accurate pivots), in [0, 1].",
        DefaultValueFactory = _ => TargetLossPrompt.DefaultForgetQuantile,
    };

    public static readonly Option<double> RetainQuantile = new("--retain-quantile")
    {
        Description = "dihyfo1/dihyfo2: a retained class is prompted at this quantile of its losses over all the dataset's checkpoints, in [0, 1].",
        DefaultValueFactory = _ => TargetLossPrompt.DefaultRetainQuantile,
    };

    public static readonly Option<string?> Guidance = new("--guidance")
    {
        Description = "dihyfo1/dihyfo2: classifier-free guidance scales the candidates are spread over, comma-separated (default: 1,1.5,2,3,4,6,8 for a hypernetwork trained with --condition-dropout, else 1).",
    };

    /// <summary>The scales of <c>--guidance</c>, or null for the default.</summary>
    public static IReadOnlyList<double>? ParseGuidance(string? text) => text is null ? null
        : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v =>
            double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var g) && g > 0
                ? g
                : throw new ArgumentException($"--guidance takes positive numbers separated by commas (e.g. 1,2,4); '{v}' is not one.")).ToArray();

    public static readonly Option<int> Candidates = new("--candidates") { Description = "dihyfo1/dihyfo2: models sampled per request; the best on the validation split is kept.", DefaultValueFactory = _ => 64 };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model to unlearn: a safetensors MLP state dict (fc1.weight, fc1.bias, fc2.weight, fc2.bias).", Required = true };
        var preset = new Option<string?>("--preset") { Description = "Task preset (mnist4 or mnist); default: the preset whose architecture the model has." };
        var output = new Option<string?>("--out") { Description = "Unlearned model file; default: <model>.<method>.forget<set>.safetensors beside the input (<set>: e.g. 2-3, random10-seed1)." };
        var report = new Option<string?>("--report") { Description = "Report folder; default: the output file's folder." };
        var api = new Option<string?>("--api") { Description = "Base URL of a Lethe silo's tenant API (e.g. http://lethe.example:8080): submit through /v1 as a tenant instead of as an operator of the platform." };
        var key = new Option<string?>("--key") { Description = $"With --api: the tenant's API key ({{tenant}}.{{secret}}, from 'lethe tenant add'); default: env {ApiUnlearning.KeyVariable}." };
        var command = new Command("unlearn", "Unlearn classes (or a random fraction or list of training samples) from a model with one method through an unlearning request grain (or a silo's tenant API with --api); writes the unlearned model and its report.")
        {
            model, Forget, ForgetFraction, ForgetSamplesFile, Method, preset, Seed, Hypernet, Checkpoints, Candidates, ForgetQuantile, RetainQuantile, Guidance, CollectCommand.Data, output, report, CollectCommand.Cluster, api, key,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            // What can be checked without the platform is checked before it starts: names, numbers, files, folders.
            var methodName = UnlearningMethodCatalog.RequireKnown(result.GetValue(Method)!);
            var forget = ParseForgetSet(result, result.GetValue(Seed));
            var guidance = ParseGuidance(result.GetValue(Guidance));
            var modelPath = result.GetValue(model)!;
            var bytes = ReadModel(modelPath);
            // The file is checked here too, so a broken or mismatched one is named before the platform starts.
            var named = result.GetValue(preset) is { } presetName ? TaskPreset.Get(presetName) : null;
            var loaded = MlpFile.Load(modelPath, named?.Architecture);
            if ((named ?? TaskPreset.All.FirstOrDefault(p => p.Architecture == loaded.Layout.Architecture)) is { } task)
            {
                forget.Validated(task);
            }

            UnlearningMethodCatalog.RequireServes(methodName, forget);
            var hypernet = result.GetValue(Hypernet);
            var checkpoints = result.GetValue(Checkpoints);
            var outputPath = result.GetValue(output)
                ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, $"{Path.GetFileNameWithoutExtension(modelPath)}.{methodName.Replace("+", "plus")}.forget{forget.Key}.safetensors");
            var reportFolder = result.GetValue(report) ?? Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
            if (result.GetValue(api) is { } apiText)
            {
                var apiUrl = Uri.TryCreate(apiText, UriKind.Absolute, out var parsed) ? parsed : throw new ArgumentException($"--api takes an absolute http(s) URL; got '{apiText}'.");
                var apiKey = result.GetValue(key) ?? Environment.GetEnvironmentVariable(ApiUnlearning.KeyVariable)
                    ?? throw new ArgumentException($"--api needs the tenant's key: pass --key {{tenant}}.{{secret}} or set {ApiUnlearning.KeyVariable}.");
                if (!apiUrl.IsAbsoluteUri || apiUrl.Scheme is not ("http" or "https"))
                {
                    throw new ArgumentException($"--api takes an absolute http(s) URL; got '{apiUrl}'.");
                }

                PrepareOutputs(outputPath, reportFolder);
                return await ApiUnlearning.Run(new Uri(apiUrl.ToString().TrimEnd('/') + "/"), apiKey, bytes, methodName, forget, result.GetValue(preset), result.GetValue(Seed), hypernet, checkpoints,
                    result.GetValue(Candidates), outputPath, reportFolder, cancellation);
            }

            if (UnlearningMethodCatalog.HypernetMethods.Contains(methodName) && (hypernet is null || checkpoints is null))
            {
                throw new ArgumentException($"{methodName} samples unlearned models from a trained hypernetwork: pass --hypernet (its model.safetensors, its training folder from 'lethe train --variant {methodName}', or a published name) and --checkpoints (the checkpoint folder or collection job it was trained on).");
            }

            if (methodName == "invwnn" && hypernet is null)
            {
                throw new ArgumentException("invwnn rewinds with a trained InvWNN predictor: pass --hypernet NAME, the name of its training ('lethe train --variant invwnn --name NAME').");
            }

            PrepareOutputs(outputPath, reportFolder);

            await using var connection = await LetheConnection.Open(result.GetValue(CollectCommand.Cluster), null, cancellation);
            PublishedHypernet? published = null;
            string[]? jobs = null;
            if (UnlearningMethodCatalog.HypernetMethods.Contains(methodName))
            {
                published = await HypernetTrainingSession.Resolve(connection, hypernet!, null, cancellation);
                jobs = [Directory.Exists(checkpoints) ? await CollectionJobSession.Import(connection, checkpoints!, cancellation) : checkpoints!];
            }

            var spec = new UnlearningRequestSpec(bytes, forget.Classes, methodName, result.GetValue(preset), result.GetValue(Seed), Tenant: LocalTenant, Data: result.GetValue(CollectCommand.Data)!,
                Hypernet: methodName == "invwnn" ? hypernet : published?.Name, HypernetVersion: published?.Version, Checkpoints: jobs, Candidates: result.GetValue(Candidates),
                ForgetQuantile: result.GetValue(ForgetQuantile), RetainQuantile: result.GetValue(RetainQuantile), Guidance: guidance?.ToArray(),
                ForgetFraction: forget.Fraction, ForgetSamples: forget.Samples);
            var id = $"cli-{Guid.NewGuid():N}";
            var request = connection.Client.GetGrain<IUnlearningRequestGrain>(id);
            await AsOperator(connection);
            await request.Submit(spec);
            AnsiConsole.MarkupLine($"[grey]request {id} on {Markup.Escape(connection.Where)}[/]");
            var outcome = await Follow(request, cancellation);
            if (outcome.Status != UnlearningStatus.Completed)
            {
                throw new InvalidOperationException($"Request {id} failed: {outcome.Error}");
            }

            var reader = connection.Client.GetGrain<IArtifactReaderGrain>(0);
            var unlearningReport = UnlearningReport.FromJson(Encoding.UTF8.GetString(await reader.Read(outcome.ReportKey!, outcome.ReportSha256!)), outcome.ReportKey!);
            ShardFolder.WriteAtomically(outputPath, await reader.Read(outcome.ModelKey!, outcome.ModelSha256!));
            var name = Path.GetFileNameWithoutExtension(outputPath);
            var files = unlearningReport.WriteTo(reportFolder, name + ".report");
            var m = unlearningReport.Unlearned;
            var r = unlearningReport.Retrained;
            AnsiConsole.MarkupLine(Markup.Escape($"{unlearningReport.Method}: acc D_r {m.AccuracyRetainTrain:F4} (retrained {r.AccuracyRetainTrain:F4}), acc D_f {m.AccuracyForgetTrain:F4} (retrained {r.AccuracyForgetTrain:F4}), MIA {m.Mia:F4} (retrained {r.Mia:F4}), phi {m.UnlearningScore:F4}, {unlearningReport.WallSeconds:F2} s"));
            AnsiConsole.MarkupLine($"unlearned model: {Markup.Escape(outputPath)}");
            AnsiConsole.MarkupLine($"report: {Markup.Escape(string.Join(", ", files))}");
            return 0;
        }));
        return command;
    }

    /// <summary>The tenant requests from the CLI are charged to: an operator on the platform, not an API customer.</summary>
    public const string LocalTenant = "cli";

    /// <summary>
    /// The CLI submits as the platform's operator (it reaches the silos' gateway, which API tenants never do): its tenant
    /// has no quota, so scripted runs and benchmarks are never refused for a count meant for API customers.
    /// </summary>
    public static Task AsOperator(LetheConnection connection) =>
        connection.Client.GetGrain<ITenantGrain>(LocalTenant).SetQuota(new TenantQuota(int.MaxValue, int.MaxValue));

    /// <summary>Polls the request with a progress bar until it finishes.</summary>
    public static async Task<UnlearningOutcome> Follow(IUnlearningRequestGrain request, CancellationToken cancellation)
    {
        UnlearningOutcome outcome = await request.GetOutcome();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var bar = ctx.AddTask($"{outcome.Method} {ForgetName(outcome)}", maxValue: 1);
                while (!(outcome = await request.GetOutcome()).IsFinished)
                {
                    bar.Value = outcome.Progress;
                    bar.Description = $"{outcome.Method} {ForgetName(outcome)}: {outcome.Stage ?? "queued"}";
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellation);
                }

                bar.Value = 1;
            });
        return outcome;
    }

    /// <summary>The model file's bytes; unreadable files are named in the error.</summary>
    private static byte[] ReadModel(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot read model file {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Creates the folders the unlearned model and its report go to, before any work, so a missing folder is not found
    /// only after the reference was retrained and the method ran; an output path that names a folder is refused.
    /// </summary>
    public static void PrepareOutputs(string outputPath, string reportFolder)
    {
        if (Directory.Exists(outputPath))
        {
            throw new ArgumentException($"--out {outputPath} is a folder; expected the file the unlearned model is written to (e.g. {Path.Combine(outputPath, "unlearned.safetensors")}).");
        }

        foreach (var folder in new[] { Path.GetDirectoryName(Path.GetFullPath(outputPath))!, reportFolder })
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"Cannot create the output folder {folder}: {e.Message}", e);
            }
        }
    }

    /// <summary>The forget set of an outcome for a progress bar: its classes, or "(samples)" for random-sample forgetting.</summary>
    private static string ForgetName(UnlearningOutcome outcome) => outcome.Forget.Length > 0 ? $"{{{string.Join(",", outcome.Forget)}}}" : "(samples)";

    /// <summary>For dihyfo1/dihyfo2 in a local benchmark: the trained hypernetwork and its prompt, checked against the request; null for a baseline.</summary>
    public static DiHyFoHypernet? LoadHypernet(string method, string? hypernet, string? checkpoints, TaskPreset task, int candidates, double forgetQuantile, double retainQuantile, IReadOnlyList<double>? guidance = null)
    {
        if (!UnlearningMethodCatalog.HypernetMethods.Contains(method))
        {
            return null;
        }

        if (hypernet is null || checkpoints is null)
        {
            throw new ArgumentException($"{method} samples unlearned models from a trained hypernetwork: pass --hypernet (its model.safetensors or training folder, from 'lethe train --variant {method}') and --checkpoints (the checkpoint folder it was trained on).");
        }

        AnsiConsole.MarkupLine($"[grey]loading the {method} hypernetwork and its checkpoint statistics ...[/]");
        return DiHyFoHypernet.Load(method, hypernet, checkpoints, task, candidates, forgetQuantile: forgetQuantile, guidance: guidance, retainQuantile: retainQuantile);
    }

    /// <summary>
    /// These nets are tiny (batch 64 × 784 × ≤ 7): libtorch's intra-op threads only add synchronisation, and on a shared
    /// 2-core machine they made training 7× slower than one thread. Process-wide, so only commands that train in process call it.
    /// </summary>
    public static void UseOneTorchThread() => TorchSharp.torch.set_num_threads(1);
}
