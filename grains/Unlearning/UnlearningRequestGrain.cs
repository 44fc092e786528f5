using System.Diagnostics;
using System.Text;
using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Collection;
using Lethe.Contracts.Hypernet;
using Lethe.Contracts.Unlearning;
using Lethe.Grains.Activation;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Collection;
using Lethe.Grains.Compute;
using Lethe.Grains.Hypernet;
using Lethe.Grains.Telemetry;
using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Hypernet;
using Lethe.ML.InvWnn;
using Lethe.ML.Nets;
using Lethe.ML.Unlearning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lethe.Grains.Unlearning;

/// <summary>
/// One unlearning request. Submit checks everything a user can get wrong (method, preset, model bytes and shape,
/// forget set) before any work, stores the input model as an artifact, and returns; the method then runs on the compute
/// executor with the retrained reference it is measured against, and the unlearned model and its report are written
/// to the artifact store; the retrained reference is registered as a reference model and reused by later requests for
/// the same task, forget set and seed. DiHyFo requests sample a published hypernetwork (the version is pinned at
/// submission) with target losses from the checkpoints of collection jobs. A request whose silo died restarts from its
/// stored input at the next call or reminder tick.
/// </summary>
public sealed class UnlearningRequestGrain(
    [PersistentState("unlearning", CollectionOptions.StorageName)] IPersistentState<UnlearningRequestState> state,
    ComputeExecutor executor,
    IArtifactStore artifacts,
    PublishedHypernetCache hypernets,
    IOptions<UnlearningOptions> options,
    LetheMetrics metrics,
    ILogger<UnlearningRequestGrain> log) : ResumableGrain<UnlearningRequestState>(state), IUnlearningRequestGrain
{
    private string? _stage;
    private double _progress;

    private string Id => this.GetPrimaryKeyString();

    protected override bool IsRunning => State.Status == UnlearningStatus.Running;

    protected override Task HandOver() => this.AsReference<IUnlearningRequestGrain>().GetOutcome();

    async Task<UnlearningOutcome> IUnlearningRequestGrain.Submit(UnlearningRequestSpec spec)
    {
        var submission = await TrySubmit(spec);
        return submission switch
        {
            { Outcome: { } outcome } => outcome,
            { Reason: "invalid", Field: "model" } => throw new InvalidDataException(submission.Message),
            { Reason: "invalid" } => throw new ArgumentException(submission.Message, submission.Field),
            _ => throw new InvalidOperationException(submission.Message),
        };
    }

    Task<UnlearningSubmission> IUnlearningRequestGrain.TrySubmit(UnlearningRequestSpec spec) => TrySubmit(spec);

    private async Task<UnlearningSubmission> TrySubmit(UnlearningRequestSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var fingerprint = spec.Fingerprint();
        if (State.Status != UnlearningStatus.None)
        {
            // A replay costs nothing; the same id with any other field is a conflict, never the old result.
            return State.Tenant == spec.Tenant && State.Fingerprint == fingerprint
                ? new UnlearningSubmission(Outcome(), null, null, null, Replay: true)
                : new UnlearningSubmission(null, "conflict", null, $"Request {Id} was submitted before with other fields; submit a new request (or another idempotency key).");
        }

        TaskPreset task;
        string method;
        PublishedHypernet? hypernet = null;
        string[] checkpoints = [];
        string? predictor = null;
        try
        {
            if (Id.IndexOf('.') is > 0 and var dot && Id[..dot] != spec.Tenant)
            {
                throw new FieldException("tenant", $"Request {Id} belongs to another tenant than {spec.Tenant}.");
            }

            (task, method) = Validate(spec);
            if (UnlearningMethodCatalog.HypernetMethods.Contains(method))
            {
                (hypernet, checkpoints) = await OnField("hypernet", () => ResolveHypernet(spec, method, task));
            }

            if (method == "invwnn")
            {
                predictor = await OnField("hypernet", () => ResolvePredictor(spec.Hypernet));
            }
        }
        catch (FieldException e)
        {
            return UnlearningSubmission.Invalid(e.Field, e.Message);
        }

        // Only a valid request is counted; from here the slot is this grain's to release, once.
        var tenant = GrainFactory.GetGrain<ITenantGrain>(spec.Tenant);
        var admission = await tenant.Charge(Id);
        if (!admission.Admitted)
        {
            return new UnlearningSubmission(null, admission.Reason, null, admission.Message);
        }

        try
        {
            var catalog = GrainFactory.GetGrain<IDatasetCatalogGrain>(IDatasetCatalogGrain.Key);
            foreach (var jobId in checkpoints)
            {
                // Registered before the request runs, so its dataset cannot be deleted under it.
                await catalog.RegisterUse(jobId, new DatasetUse("request", Id));
            }

            var key = ArtifactKeys.RequestInput(Id);
            var sha = await artifacts.Put(key, spec.Model, CancellationToken.None);
            State.Status = UnlearningStatus.Running;
            State.Method = method;
            State.Preset = task.Name;
            State.Forget = (spec.Forget ?? []).Distinct().Order().ToArray();
            State.ForgetFraction = spec.ForgetFraction;
            State.ForgetSamples = spec.ForgetSamples?.Order().ToArray();
            State.Seed = spec.Seed;
            State.Tenant = spec.Tenant;
            State.Data = spec.Data;
            State.InputKey = key;
            State.InputSha256 = sha;
            State.SubmittedUtc = DateTimeOffset.UtcNow;
            State.Hypernet = hypernet;
            State.Predictor = predictor;
            State.Checkpoints = checkpoints;
            State.Candidates = spec.Candidates;
            State.ForgetQuantile = spec.ForgetQuantile;
            State.RetainQuantile = spec.RetainQuantile;
            State.Guidance = spec.Guidance;
            State.Fingerprint = fingerprint;
            State.SlotHeld = true;
            await Write();
        }
        catch
        {
            State.Status = UnlearningStatus.None;
            State.SlotHeld = false;
            await tenant.Release(Id);
            throw;
        }

        await KeepResuming(options.Value.ResumePeriod);
        return new UnlearningSubmission(Outcome(), null, null, null);
    }

    async Task<UnlearningOutcome> IUnlearningRequestGrain.Cancel()
    {
        if (State.Status == UnlearningStatus.Running)
        {
            await Work.StopAsync();
            if (State.Status == UnlearningStatus.Running)
            {
                State.Status = UnlearningStatus.Cancelled;
                State.Outcome = Outcome() with { Status = UnlearningStatus.Cancelled, FinishedUtc = DateTimeOffset.UtcNow, Stage = null };
                await Write();
                await StopResuming();
                metrics.UnlearningRequests.Add(1, new("method", State.Method), new("outcome", "cancelled"));
                await ReleaseSlot();
            }
        }

        return Outcome();
    }

    Task<bool> IUnlearningRequestGrain.Delete() => Delete(notifyTenant: true);

    Task<bool> IUnlearningRequestGrain.DeleteForTenant() => Delete(notifyTenant: false);

    private async Task<bool> Delete(bool notifyTenant)
    {
        if (State.Status == UnlearningStatus.None)
        {
            return false;
        }

        await Work.StopAsync();
        await StopResuming();
        foreach (var artifact in await artifacts.List(ArtifactKeys.Request(Id), CancellationToken.None))
        {
            await artifacts.Delete(artifact.Key, CancellationToken.None);
        }

        if (notifyTenant)
        {
            var tenant = State.Tenant;
            await ReleaseSlot();
            await GrainFactory.GetGrain<ITenantGrain>(tenant).ForgetRequest(Id);
        }

        await ClearState();
        DeactivateOnIdle();
        return true;
    }

    async Task<byte[]?> IUnlearningRequestGrain.ReadResult(string kind)
    {
        if (State is not { Status: UnlearningStatus.Completed, Outcome: { } outcome })
        {
            return null;
        }

        return kind switch
        {
            "model" => await artifacts.ReadVerified(outcome.ModelKey!, outcome.ModelSha256!, CancellationToken.None),
            "report" => await artifacts.ReadVerified(outcome.ReportKey!, outcome.ReportSha256!, CancellationToken.None),
            _ => throw new ArgumentException($"Unknown result '{kind}'; accepted: model, report.", nameof(kind)),
        };
    }

    /// <summary>Frees the tenant's slot this request took, once (the tenant's release is idempotent too).</summary>
    private async Task ReleaseSlot()
    {
        if (State.SlotHeld)
        {
            await GrainFactory.GetGrain<ITenantGrain>(State.Tenant).Release(Id);
            State.SlotHeld = false;
            await Write();
        }
    }

    Task<UnlearningOutcome> IUnlearningRequestGrain.GetOutcome() => Task.FromResult(Outcome());

    /// <summary>
    /// The published hypernetwork a DiHyFo request samples (pinned to a version) and the collection jobs that set its
    /// prompts; throws before any work when either is missing or does not fit the method and task.
    /// </summary>
    private async Task<(PublishedHypernet Hypernet, string[] Checkpoints)> ResolveHypernet(UnlearningRequestSpec spec, string method, TaskPreset task)
    {
        if (string.IsNullOrWhiteSpace(spec.Hypernet))
        {
            throw new ArgumentException($"{method} samples a published {method} hypernetwork: name one (train it with 'lethe train --variant {method} --data JOB').");
        }

        var registry = GrainFactory.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
        var published = await registry.Find(spec.Hypernet, spec.HypernetVersion)
            ?? throw new ArgumentException($"No published hypernetwork '{spec.Hypernet}'{(spec.HypernetVersion is null ? "" : $" version {spec.HypernetVersion}")} in the model registry; train one with 'lethe train --variant {method} --data JOB --name {spec.Hypernet}'.");
        if (published.Variant != method)
        {
            throw new ArgumentException($"Hypernetwork {published.Name} is a {published.Variant} model; method {method} needs a {method} one.");
        }

        if (published.Task != task.Name)
        {
            throw new InvalidDataException($"Hypernetwork {published.Name} samples {published.Task} nets ({TaskPreset.Get(published.Task).Architecture}); the model to unlearn is {task.Name} ({task.Architecture}).");
        }

        var checkpoints = spec.Checkpoints is { Length: > 0 } named
            ? named
            : (await GrainFactory.GetGrain<IHypernetTrainerGrain>(published.Name).GetStatus()).Request?.DatasetJobIds
                ?? throw new ArgumentException($"The silos do not know which collection jobs hypernetwork {published.Name} was trained on; name them as the request's checkpoints.");
        await CollectedCheckpoints.Shards(GrainFactory, checkpoints);
        return (published, checkpoints.Distinct().Order().ToArray());
    }

    /// <summary>
    /// Every check that needs no data and no training, each failure naming its field: method, candidates, preset,
    /// the forget set (classes, or a fraction, or sample indices: exactly one), and the model bytes completely (header
    /// bounds, shapes against the preset, finite weights).
    /// </summary>
    private static (TaskPreset Task, string Method) Validate(UnlearningRequestSpec spec)
    {
        var method = OnField("method", () => UnlearningMethodCatalog.RequireKnown(spec.Method ?? ""));
        if (UnlearningMethodCatalog.HypernetMethods.Contains(method) && spec.Candidates is < 1 or > MaxCandidates)
        {
            throw new FieldException("candidates", $"{method} samples 1 to {MaxCandidates} candidates; got {spec.Candidates}.");
        }

        var named = spec.Preset is { } preset ? OnField("preset", () => TaskPreset.Get(preset)) : null;
        if (spec.Model is not { Length: > 0 })
        {
            throw new FieldException("model", "The model is empty; send an MLP safetensors state dict (fc1.weight, fc1.bias, fc2.weight, fc2.bias).");
        }

        var (layout, parameters, _) = OnField("model", () => MlpFile.Deserialize(spec.Model, "the model", named?.Architecture));
        OnField("model", () => MlpFile.RequireFinite(layout, parameters, "the model"));
        var task = named ?? TaskPreset.All.FirstOrDefault(p => p.Architecture == layout.Architecture)
            ?? throw new FieldException("model", $"The model is a {layout.Architecture} MLP; no preset has that shape ({string.Join(", ", TaskPreset.All.Select(p => $"{p.Name}: {p.Architecture}"))}).");
        var given = new[] { spec.Forget is { Length: > 0 }, spec.ForgetFraction is not null, spec.ForgetSamples is not null }.Count(g => g);
        var field = given <= 1 && spec.ForgetFraction is not null ? "forgetFraction" : given <= 1 && spec.ForgetSamples is not null ? "forgetSamples" : "forget";
        var forget = OnField(field, () => ForgetSet.Of(spec.Forget, spec.ForgetFraction, spec.ForgetSamples, spec.Seed).Validated(task));
        OnField("method", () => UnlearningMethodCatalog.RequireServes(method, forget));
        return (task, method);
    }

    /// <summary>The most candidates a DiHyFo request may sample.</summary>
    public const int MaxCandidates = 1024;

    private static T OnField<T>(string field, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new FieldException(field, e.Message);
        }
    }

    private static void OnField(string field, Action check) => OnField(field, () =>
    {
        check();
        return 0;
    });

    private static async Task<T> OnField<T>(string field, Func<Task<T>> check)
    {
        try
        {
            return await check();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new FieldException(field, e.Message);
        }
    }

    /// <summary>A user error in one field of the request; never leaves the grain (turned into a refused submission).</summary>
    private sealed class FieldException(string field, string message) : Exception(message)
    {
        public string Field { get; } = field;
    }

    private UnlearningOutcome Outcome() => State.Outcome ?? new UnlearningOutcome(
        Id, State.Status, State.Method, State.Preset, State.Forget, null, null, null, null, null, null, null, null,
        State.SubmittedUtc, null, State.Tenant, _stage, _progress);

    protected override async Task RunAsync(CancellationToken ct)
    {
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.ForceYielding);
        var s = State;
        var watch = Stopwatch.StartNew();
        var outcome = "completed";
        UnlearningOutcome? finished;
        try
        {
            var input = await artifacts.ReadVerified(s.InputKey!, s.InputSha256!, ct);
            var task = TaskPreset.Get(s.Preset!);
            var (layout, original, _) = MlpFile.Deserialize(input, s.InputKey!, task.Architecture);
            // The retrained model (never saw the forget set) is what every unlearned model is measured against; it
            // depends only on the task, forget set, seed and data, so the registry keeps one per combination.
            var registry = GrainFactory.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
            var forget = s.ForgetSet();
            var referenceName = ReferenceModel.RetrainedName(task.Name, forget.Key, s.Seed, s.Data);
            float[]? stored = null;
            if (await registry.FindReference(referenceName) is { } known)
            {
                stored = MlpFile.Deserialize(await artifacts.ReadVerified(known.ArtifactKey, known.Sha256, ct), known.ArtifactKey, task.Architecture).Flat;
            }

            // A DiHyFo request whose retrained reference is stored is a second of sampling and selection: interactive.
            // Anything that trains (a baseline, a reference to retrain) queues with the long work.
            var context = new ExecutorContext(executor, progress =>
            {
                _stage = progress.Stage;
                _progress = progress.Fraction;
            }, interactive: s.Hypernet is not null && stored is not null);
            using var dihyfo = s.Hypernet is { } hypernet ? await LoadHypernet(hypernet, task, ct) : null;
            var method = s.Predictor is { } predictorName ? await LoadInvWnn(predictorName, ct)
                : dihyfo is null
                ? UnlearningMethodCatalog.CreateBaseline(s.Method!)
                : dihyfo.MethodWith(new GrainCandidateSampler(GrainFactory, s.Hypernet!, dihyfo.Sampler, dihyfo.Model.Variant.ConditionsOnCurrent, options.Value.SamplerSlots));
            var run = await UnlearningPipeline.RunAsync(new UnlearningPipelineInput(original, task, forget, s.Seed, s.Data, method, stored), context, ct);
            if (run.ReferenceTrained)
            {
                await registry.ImportReference(referenceName, task.Name, MlpFile.Serialize(layout, run.Reference),
                    $"{task.Name} retrained without {(forget.ByClass ? "classes " : "")}{forget.Name} (seed {s.Seed}, data {s.Data})");
            }

            var model = MlpFile.Serialize(layout, run.Parameters, new Dictionary<string, string>
            {
                ["lethe.method"] = s.Method!,
                ["lethe.preset"] = task.Name,
                ["lethe.forget"] = forget.ByClass ? string.Join(",", s.Forget) : forget.Name,
                ["lethe.request"] = Id,
            });
            var modelSha = await artifacts.Put(ArtifactKeys.RequestModel(Id), model, ct);
            var reportSha = await artifacts.Put(ArtifactKeys.RequestReport(Id), Encoding.UTF8.GetBytes(run.Report.ToJson()), ct);
            finished = new UnlearningOutcome(Id, UnlearningStatus.Completed, s.Method, task.Name, s.Forget, ArtifactKeys.RequestModel(Id), modelSha, ArtifactKeys.RequestReport(Id), reportSha,
                // Accuracy on the forgotten part: the forget classes of T; for samples, D_f itself (T keeps every sample).
                Finite(forget.ByClass ? run.Report.Unlearned.AccuracyForgetTest : run.Report.Unlearned.AccuracyForgetTrain), Finite(run.Report.Unlearned.AccuracyRetainTest), Finite(run.Report.Unlearned.UnlearningScore), null, s.SubmittedUtc, DateTimeOffset.UtcNow, s.Tenant,
                null, 1);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Deactivated: the next activation starts again from the stored input.
            return;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or InvalidOperationException)
        {
            log.LogError(e, "Unlearning request {Id} failed", Id);
            outcome = "failed";
            finished = Outcome() with { Status = UnlearningStatus.Failed, Error = e.Message, FinishedUtc = DateTimeOffset.UtcNow };
        }
        catch (Exception e)
        {
            // Storage or messaging trouble: left Running, so the next call on a new activation tries again.
            log.LogWarning(e, "Unlearning request {Id} interrupted", Id);
            return;
        }

        // The slot is free before anyone can see the request finished, so a caller that waited for it can submit again.
        if (s.SlotHeld)
        {
            await GrainFactory.GetGrain<ITenantGrain>(s.Tenant).Release(Id);
        }

        s.SlotHeld = false;
        s.Status = finished!.Status;
        s.Outcome = finished;
        await Write();
        await StopResuming();
        metrics.UnlearningRequests.Add(1, new("method", s.Method), new("outcome", outcome));
        metrics.UnlearningDuration.Record(watch.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("method", s.Method));
    }

    /// <summary>A figure the outcome can carry: NaN or an infinity becomes null, so every outcome serializes.</summary>
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    /// <summary>
    /// The pinned hypernetwork version with its target-loss prompt from the request's collection jobs; loaded here for
    /// the prompt, the guidance ladder and the candidate plan, while the sampling itself runs on sampler grains.
    /// </summary>
    private async Task<DiHyFoHypernet> LoadHypernet(PublishedHypernet hypernet, TaskPreset task, CancellationToken ct)
    {
        var s = State;
        var file = await hypernets.LocalFile(hypernet, ct);
        // The dataset's statistics, never its shards: a request costs the same on 10k checkpoints as on millions.
        var dataset = ArtifactKeys.DatasetOf(s.Checkpoints);
        var statisticsGrain = GrainFactory.GetGrain<IDatasetStatisticsGrain>(dataset);
        DatasetStatisticsInfo? info;
        while ((info = await statisticsGrain.TryGet()) is null)
        {
            _stage = "waiting for the dataset's statistics";
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }

        var statistics = DatasetStatistics.Deserialize(await artifacts.ReadVerified(info.Key, info.Sha256, ct), artifacts.UriOf(info.Key));
        return await executor.Run(() => DiHyFoHypernet.Load(s.Method!, file, statistics,
            $"collection jobs {string.Join(",", s.Checkpoints)}", $"{dataset}:{statistics.Checkpoints}", task, s.Candidates,
            forgetQuantile: s.ForgetQuantile ?? TargetLossPrompt.DefaultForgetQuantile, guidance: s.Guidance,
            retainQuantile: s.RetainQuantile ?? TargetLossPrompt.DefaultRetainQuantile), ct, interactive: true);
    }

    /// <summary>invwnn: the name of a completed InvWNN training (<c>lethe train --variant invwnn --name NAME</c>), checked at submission.</summary>
    private async Task<string> ResolvePredictor(string? name)
    {
        if (name is null)
        {
            throw new ArgumentException("invwnn rewinds with a trained InvWNN predictor: name its training ('lethe train --variant invwnn --name NAME') as the hypernetwork.");
        }

        var status = await GrainFactory.GetGrain<IHypernetTrainerGrain>(name).GetStatus();
        if (status.Request is null || !InvWnnTraining.IsVariant(status.Request.Variant) || status.CheckpointKey is null)
        {
            throw new ArgumentException($"'{name}' is no InvWNN training with a saved predictor (state {status.State}, variant {status.Request?.Variant ?? "none"}); train one with 'lethe train --variant invwnn --name {name}'.");
        }

        return name;
    }

    /// <summary>The predictor of an InvWNN training, from its latest durable checkpoint in the artifact store.</summary>
    private async Task<IUnlearningMethod> LoadInvWnn(string name, CancellationToken ct)
    {
        var status = await GrainFactory.GetGrain<IHypernetTrainerGrain>(name).GetStatus();
        var archive = await artifacts.ReadVerified(status.CheckpointKey!, status.CheckpointSha256!, ct);
        var folder = Path.Combine(Path.GetTempPath(), $"lethe-invwnn-{Guid.NewGuid():N}");
        try
        {
            return await executor.Run(() =>
            {
                TrainingFolder.Restore(folder, archive);
                var file = Path.Combine(folder, InvWnnTraining.PredictorFile);
                return (IUnlearningMethod)new InvWnnMethod(InvWnnPredictor.Load(file), $"training {name}, step {status.Step}, {status.CheckpointKey}");
            }, ct);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The request's tensor work on this silo's compute executor; progress goes to the outcome callers poll.</summary>
    /// <param name="interactive">The request is short and someone waits on it (DiHyFo: a few sampling batches and a
    /// selection): its calls go before long ones (<see cref="ComputeExecutor.Run{T}"/>).</param>
    private sealed class ExecutorContext(ComputeExecutor executor, Action<UnlearningProgress> report, bool interactive) : IUnlearningContext
    {
        public IProgress<UnlearningProgress> Progress { get; } = new ML.InlineProgress<UnlearningProgress>(report);

        public Task<T> Compute<T>(Func<T> work, CancellationToken cancellation) => executor.Run(work, cancellation, interactive);
    }
}
