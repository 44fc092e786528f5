using Lethe.Contracts.Collection;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Hypernet;
using Lethe.Grains.Activation;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Collection;
using Lethe.Grains.Compute;
using Lethe.Grains.Placement;
using Lethe.Grains.Telemetry;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.InvWnn;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lethe.Grains.Hypernet;

/// <summary>
/// Trains one named hypernetwork. A background loop (at most one per activation) reads the dataset from the artifact
/// store, restores the last durable checkpoint into a silo-local folder, then advances the <see cref="HypernetTrainer"/>
/// in bounded step batches on the compute executor; after each batch it publishes new versions to the registry and
/// writes a checkpoint archive to the artifact store. A reminder restarts the loop on a surviving silo after its silo
/// died; at most one batch of steps is redone.
/// </summary>
[PrefersGpu]
public sealed partial class HypernetTrainerGrain(
    [PersistentState("hypernet", CollectionOptions.StorageName)] IPersistentState<HypernetTrainerState> state,
    ComputeExecutor executor,
    IArtifactStore artifacts,
    LetheMetrics metrics,
    IOptions<HypernetTrainerOptions> options,
    ILogger<HypernetTrainerGrain> log) : ResumableGrain<HypernetTrainerState>(state), IHypernetTrainerGrain
{
    private int _resumedFromStep;

    /// <summary>Why this activation's training last stopped without finishing (<see cref="HypernetTrainerStatus.Interruption"/>).</summary>
    private string? _interruption;

    private string Name => this.GetPrimaryKeyString();

    protected override bool IsRunning => State is { State: HypernetTrainingState.Training, Request: not null };

    protected override Task RunAsync(CancellationToken ct) => Train(State.Request!, ct);

    protected override Task HandOver() => this.AsReference<IHypernetTrainerGrain>().Resume();

    async Task<HypernetTrainerStatus> IHypernetTrainerGrain.Start(HypernetTrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!SafeName().IsMatch(Name))
        {
            throw new ArgumentException($"Model name '{Name}' is not accepted; use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        var hypernetOptions = request.ToOptions();
        if (State.Request is { } existing && !SameRequest(existing, request))
        {
            throw new InvalidOperationException(
                $"Model {Name} is trained from {Describe(existing)}; this request is {Describe(request)}. Use another name.");
        }

        await CollectedCheckpoints.Shards(GrainFactory, request.DatasetJobIds);
        var catalog = GrainFactory.GetGrain<IDatasetCatalogGrain>(IDatasetCatalogGrain.Key);
        foreach (var jobId in request.DatasetJobIds.Distinct())
        {
            await catalog.RegisterUse(jobId, new DatasetUse("training", Name));
        }
        if (State.Request is null || State.State is HypernetTrainingState.Cancelled or HypernetTrainingState.Failed)
        {
            State.Request = request;
            State.Steps = hypernetOptions.Steps;
            State.State = HypernetTrainingState.Training;
            State.Error = null;
            State.FinishedUtc = null;
            State.StartedUtc ??= DateTimeOffset.UtcNow;
            await Write();
        }

        if (IsRunning)
        {
            // Before answering with the step: a process killed after committing an archive and before recording it
            // left the state behind the store (the background loop adopts the same checkpoint when it opens).
            await AdoptNewerCheckpoint(request, CancellationToken.None);
            await KeepResuming(options.Value.ResumePeriod);
        }

        return Status();
    }

    Task<HypernetTrainingPlan> IHypernetTrainerGrain.Plan(HypernetTrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var o = request.ToOptions();
        return Task.FromResult(new HypernetTrainingPlan(o.Id, o.Variant, o.Preset, o.Steps, o.Width, o.Layers, o.Heads, o.ForgettingPairs, o.TwinPairs));
    }

    Task<HypernetTrainerStatus> IHypernetTrainerGrain.GetStatus() => Task.FromResult(Status());

    async Task<HypernetTrainerStatus> IHypernetTrainerGrain.Cancel()
    {
        if (State.State == HypernetTrainingState.Training)
        {
            await Work.StopAsync();

            await Finish(HypernetTrainingState.Cancelled, null);
        }

        return Status();
    }

    Task IHypernetTrainerGrain.Resume()
    {
        EnsureWork();
        return Task.CompletedTask;
    }

    private HypernetTrainerStatus Status()
    {
        var s = State;
        return new HypernetTrainerStatus(Name, s.State, s.Request, s.Step, s.Steps, s.TrainLoss, s.HeldOutLoss, s.BestVersion, s.BestScore,
            s.LatestVersion, s.Error, s.StartedUtc, s.FinishedUtc, _resumedFromStep, s.Checkpoint?.Key, s.Checkpoint?.Sha256, _interruption);
    }

    private static string Describe(HypernetTrainingRequest request) =>
        $"{request.Variant}/{request.Preset} (options {request.ToOptions().Id}) on {string.Join(",", request.DatasetJobIds)}{(request.WarmStart is null ? "" : $", warm-started from {request.WarmStart}")}";

    private static bool SameRequest(HypernetTrainingRequest a, HypernetTrainingRequest b) =>
        a.ToOptions() == b.ToOptions() && a.WarmStart == b.WarmStart && a.DatasetJobIds.Distinct().Order().SequenceEqual(b.DatasetJobIds.Distinct().Order());

    private async Task Train(HypernetTrainingRequest request, CancellationToken ct)
    {
        // Leave the calling turn first so Start returns at once; continuations stay on this grain's scheduler.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.ForceYielding);
        var folder = Path.Combine(options.Value.WorkPath, Name);
        var kind = InvWnnTraining.IsVariant(request.Variant) ? "InvWNN" : "Hypernet";
        OpenedTraining? opened = null;
        try
        {
            await AdoptNewerCheckpoint(request, ct);
            var checkpoint = State.Checkpoint;
            var archive = checkpoint is null ? null : await artifacts.ReadVerified(checkpoint.Key, checkpoint.Sha256, ct);
            opened = InvWnnTraining.IsVariant(request.Variant)
                ? await OpenInvWnn(request, folder, archive, ct)
                : await OpenHypernet(request, folder, archive, ct);
            _resumedFromStep = opened.Step;
            var checkpoints = CheckpointPrefix(request);
            while (!ct.IsCancellationRequested)
            {
                var status = await opened.AdvanceBatch(ct);
                await SaveCheckpoint(folder, checkpoints, status, ct);
                _interruption = null;
                if (status.Done)
                {
                    await Finish(HypernetTrainingState.Completed, null);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or InvalidOperationException or FileNotFoundException)
        {
            log.LogError(e, "{Kind} {Name} failed", kind, Name);
            await Finish(HypernetTrainingState.Failed, e.Message);
        }
        catch (Exception e)
        {
            // Storage or messaging trouble: the loop restarts from the last checkpoint at the next call or reminder tick.
            log.LogWarning(e, "{Kind} {Name} training interrupted", kind, Name);
            _interruption = $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            if (opened is not null)
            {
                await executor.Run(() =>
                {
                    opened.Training.Dispose();
                    return true;
                }, CancellationToken.None);
                opened.Data?.Dispose();
            }
        }
    }

    /// <summary>A training restored from its archive: its step, one bounded batch of work, and what to dispose after.</summary>
    private sealed record OpenedTraining(IDisposable Training, int Step, Func<CancellationToken, Task<HypernetTrainingStatus>> AdvanceBatch, IDisposable? Data = null);

    /// <summary>
    /// A diffusion hypernetwork over its dataset as a streaming source: the shards stay memory-mapped and each minibatch
    /// reads its rows from there. A batch logs the native failures it recovered from, counts steps and rows read, and
    /// publishes the versions it evaluated.
    /// </summary>
    private async Task<OpenedTraining> OpenHypernet(HypernetTrainingRequest request, string folder, byte[]? archive, CancellationToken ct)
    {
        var (source, spec, identity) = await CollectedCheckpoints.Open(GrainFactory, artifacts, request.DatasetJobIds, Path.Combine(options.Value.WorkPath, "shards"), ct);
        try
        {
            metrics.SetTrainingDataset(request.Variant, source.Count, source.Bytes);
            var hypernetOptions = request.ToOptions();
            var normalizer = await StoredNormalizer(request.DatasetJobIds, hypernetOptions.Normalization, ct);
            // The warm start's model is read only for a training without state: a resume continues from its own.
            var fresh = await executor.Run(() =>
            {
                TrainingFolder.Restore(folder, archive);
                return HypernetTrainer.NeedsWarmStartModel(folder);
            }, ct);
            var warmStart = request.WarmStart is null || !fresh ? null : await WarmStartBytes(request.WarmStart, ct);
            var trainer = await executor.Run(() =>
            {
                var test = DigitsSource.Load(spec.Data).For(spec.Task).Test;
                using var warm = warmStart is null ? null : HypernetModel.Load(warmStart, request.WarmStart!);
                return HypernetTrainer.Open(folder, hypernetOptions, spec.Task, source, identity, test, normalizer,
                    request.WarmStart is null ? null : new WarmStart(request.WarmStart, warm));
            }, ct);
            log.LogInformation("Hypernet {Name} training from step {Step} of {Steps} on {Identity} ({Shards} mapped shards, {Bytes:N0} bytes){WarmStart}",
                Name, trainer.Step, hypernetOptions.Steps, identity, source.ShardCount, source.Bytes,
                request.WarmStart is null ? "" : $", warm-started from {request.WarmStart} ({(warmStart is null ? "resumed from its own state" : $"{trainer.WarmStartValues:N0} values copied")})");
            var variant = new KeyValuePair<string, object?>("variant", request.Variant);
            var sourceKind = new KeyValuePair<string, object?>("source", source.Kind);
            var rowsReported = source.RowsRead;
            async Task<HypernetTrainingStatus> AdvanceBatch(CancellationToken token)
            {
                var before = trainer.Step;
                var recovered = trainer.Recoveries.Count;
                var status = await executor.Run(() => trainer.Advance(options.Value.StepsPerBatch, token), token);
                foreach (var recovery in trainer.Recoveries.Skip(recovered))
                {
                    log.LogWarning("Hypernet {Name}: {Recovery}", Name, recovery);
                }

                metrics.HypernetTrainSteps.Add(Math.Max(0, status.Step - before), variant);
                metrics.HypernetRowsRead.Add(source.RowsRead - rowsReported, variant, sourceKind);
                rowsReported = source.RowsRead;
                metrics.SetHypernetProgress(request.Variant, status.TrainLoss, status.SamplesPerSecond);
                await PublishNewVersions(folder, token);
                return status;
            }

            return new OpenedTraining(trainer, trainer.Step, AdvanceBatch, source);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The normalizer the dataset's statistics hold when they are already stored (asking also starts their computation
    /// otherwise); null when they are not ready or predate stored normalizers: the trainer then fits the same
    /// coefficients from the shards.
    /// </summary>
    private async Task<ParameterNormalizer?> StoredNormalizer(IReadOnlyList<string> jobIds, string mode, CancellationToken ct)
    {
        try
        {
            var info = await GrainFactory.GetGrain<IDatasetStatisticsGrain>(ArtifactKeys.DatasetOf(jobIds)).TryGet();
            return info is null ? null : DatasetStatistics.Deserialize(await artifacts.ReadVerified(info.Key, info.Sha256, ct), artifacts.UriOf(info.Key)).Normalizer(mode);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FileNotFoundException)
        {
            log.LogWarning(e, "Hypernet {Name}: the dataset's statistics are unavailable; fitting the normalizer from the shards", Name);
            return null;
        }
    }

    /// <summary>
    /// <c>invwnn</c>: the past-weight predictor on a trajectory collection (read into memory: a few thousand snapshots),
    /// with the same durable checkpoints and resumption as a hypernetwork; nothing is published to the registry (the
    /// predictor is exported with the folder).
    /// </summary>
    private async Task<OpenedTraining> OpenInvWnn(HypernetTrainingRequest request, string folder, byte[]? archive, CancellationToken ct)
    {
        var data = await CollectedCheckpoints.Read(GrainFactory, artifacts, request.DatasetJobIds, ct);
        var o = request.ToOptions();
        var settings = new InvWnnTraining.Settings(o.Preset, o.Steps, o.Seed, o.BatchSize, o.LearningRate, data.Identity.Split(':')[0]);
        var training = await executor.Run(() =>
        {
            TrainingFolder.Restore(folder, archive);
            return InvWnnTraining.Open(folder, settings, data.Spec.Task.Architecture, data.Batch);
        }, ct);
        log.LogInformation("InvWNN {Name} training from step {Step} of {Steps} on {Identity}", Name, training.Step, o.Steps, data.Identity);
        return new OpenedTraining(training, training.Step, token => executor.Run(() => training.Advance(options.Value.StepsPerBatch, token), token));
    }

    /// <summary>
    /// Uploads the version folders the last batch created and registers them. The registry keeps the first publication
    /// of a version, so a version redone after a crash resolves to the one already published.
    /// </summary>
    private async Task PublishNewVersions(string folder, CancellationToken ct)
    {
        var models = Path.Combine(folder, "models");
        if (!Directory.Exists(models))
        {
            return;
        }

        var registry = GrainFactory.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
        foreach (var versionFolder in Directory.EnumerateDirectories(models, "v*").Order())
        {
            var version = Path.GetFileName(versionFolder);
            var file = Path.Combine(versionFolder, "model.safetensors");
            if (State.Published.Contains(version) || !File.Exists(file))
            {
                continue;
            }

            var published = await registry.Publish(await HypernetPublisher.Store(artifacts, Name, await File.ReadAllBytesAsync(file, ct), ct));
            State.Published.Add(version);
            State.LatestVersion = version;
            if (State.BestScore is not { } best || published.Score > best || !double.IsFinite(best))
            {
                State.BestVersion = version;
                State.BestScore = published.Score;
            }
        }
    }

    /// <summary>
    /// Archives the training folder under <paramref name="prefix"/> (<see cref="CheckpointPrefix"/>), records it with
    /// the step and losses it holds in one state write (so the state never names a checkpoint ahead of its step), then
    /// drops the checkpoint it replaces.
    /// </summary>
    private async Task SaveCheckpoint(string folder, string prefix, HypernetTrainingStatus status, CancellationToken ct)
    {
        var bytes = new TrainingFolder(folder).Pack();
        var sha = ArtifactChecksum.Sha256Of(bytes);
        var key = ArtifactKeys.HypernetCheckpoint(prefix, status.Step, sha);
        await artifacts.Put(key, bytes, ct);

        var previous = State.Checkpoint;
        State.Checkpoint = new TrainingCheckpoint(key, sha, status.Step);
        State.Step = status.Step;
        State.TrainLoss = status.TrainLoss;
        State.HeldOutLoss = status.HeldOutLoss;
        await Write();
        if (previous is not null && previous.Key != key)
        {
            await artifacts.Delete(previous.Key, ct);
        }
    }

    /// <summary>The model file of the published hypernetwork a request's <c>WarmStart</c> names (<c>NAME@VERSION</c>, or NAME for its best version).</summary>
    private async Task<byte[]> WarmStartBytes(string warmStart, CancellationToken ct)
    {
        var at = warmStart.LastIndexOf('@');
        var (name, version) = at < 0 ? (warmStart, null) : (warmStart[..at], warmStart[(at + 1)..]);
        var published = await GrainFactory.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key).Find(name, version)
            ?? throw new ArgumentException($"The warm start '{warmStart}' is not a published hypernetwork (NAME or NAME@VERSION; 'lethe status' lists them).");
        return await artifacts.ReadVerified(published.ArtifactKey, published.Sha256, ct);
    }

    /// <summary>
    /// Where the checkpoints of <paramref name="request"/> go: one folder per model options and dataset jobs, so a
    /// training whose grain state was lost finds its own checkpoints and never those of another request.
    /// </summary>
    private string CheckpointPrefix(HypernetTrainingRequest request)
    {
        var jobs = string.Join(",", request.DatasetJobIds.Distinct().Order(StringComparer.Ordinal)) + (request.WarmStart is null ? "" : $"|{request.WarmStart}");
        return ArtifactKeys.HypernetCheckpoints(Name, request.ToOptions().Id, ArtifactChecksum.Sha256Of(Encoding.UTF8.GetBytes(jobs)));
    }

    /// <summary>
    /// Takes the store's newest checkpoint of <paramref name="request"/> when the state names none or an older one, and
    /// deletes the older: the state was lost (an embedded silo keeps it in memory, so a killed process forgets it), or
    /// the process died between <see cref="SaveCheckpoint"/>'s commit of the archive and its state write. Either way the
    /// finished steps were not lost and are not redone.
    /// </summary>
    private async Task AdoptNewerCheckpoint(HypernetTrainingRequest request, CancellationToken ct)
    {
        if (await LatestCheckpointOf(request) is not { } stored || stored.Step <= (State.Checkpoint?.Step ?? -1))
        {
            return;
        }

        var older = State.Checkpoint;
        State.Checkpoint = stored;
        State.Step = stored.Step;
        await Write();
        if (older is not null)
        {
            await artifacts.Delete(older.Key, ct);
        }

        log.LogInformation("Hypernet {Name} adopts its checkpoint at step {Step} from {Key}", Name, stored.Step, stored.Key);
    }

    /// <summary>The newest checkpoint of <paramref name="request"/> in the artifact store, or null.</summary>
    private async Task<TrainingCheckpoint?> LatestCheckpointOf(HypernetTrainingRequest request)
    {
        var prefix = CheckpointPrefix(request);
        var newest = (await artifacts.List(prefix, CancellationToken.None)).LastOrDefault();
        return newest is not null && int.TryParse(newest.Key[prefix.Length..].Split('-')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            ? new TrainingCheckpoint(newest.Key, newest.Sha256, step)
            : null;
    }

    private async Task Finish(HypernetTrainingState outcome, string? error)
    {
        State.State = outcome;
        State.Error = error;
        State.FinishedUtc = DateTimeOffset.UtcNow;
        await Write();
        await StopResuming();
        log.LogInformation("Hypernet {Name} {Outcome} at step {Step}; best {Best} ({Score})", Name, outcome, State.Step, State.BestVersion, State.BestScore);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex SafeName();
}
