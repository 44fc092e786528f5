using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Collection;
using Lethe.Grains.Activation;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Telemetry;
using Lethe.ML.Collection;
using Lethe.ML.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lethe.Grains.Collection;

/// <summary>
/// Seals one shard: polls its runs until every one is trained, writes the shard to the artifact store out of sight,
/// records its SHA-256 in grain state, then commits. After a crash the loop starts from what is recorded: a staged
/// shard is committed if its bytes survived, a committed one is adopted after verifying it, otherwise the runs are
/// trained again and (being deterministic) give the same bytes. Each run lands in exactly this one shard. Its work
/// follows <see cref="ResumableGrain{TState}"/>: a reminder from the first Start of an activation until sealed or
/// failed, one loop, a hand-over when its silo shuts down (besides its job's polls, which also restart it).
/// </summary>
public sealed class CheckpointShardGrain(
    [PersistentState("shard", CollectionOptions.StorageName)] IPersistentState<CheckpointShardState> state,
    IArtifactStore artifacts,
    LetheMetrics metrics,
    IOptions<CollectionOptions> options,
    IClusterMembershipService membership,
    ILogger<CheckpointShardGrain> log) : ResumableGrain<CheckpointShardState>(state), ICheckpointShardGrain
{
    private int _runsTrained;
    private long _runEpochsDone;

    protected override bool IsRunning => State is { Spec: not null, Error: null } && State.Status != ShardStatus.Sealed;

    protected override Task RunAsync(CancellationToken ct) => Seal(State.Spec!, ct);

    protected override Task HandOver() => this.AsReference<ICheckpointShardGrain>().Resume();

    async Task<ShardProgress> ICheckpointShardGrain.Start(CollectionJobSpec spec)
    {
        if (State.Spec is null)
        {
            State.Spec = spec;
            State.Status = ShardStatus.Training;
            await Write();
        }
        else if (State.Spec.JobId() != spec.JobId())
        {
            throw new ArgumentException($"Shard {this.GetPrimaryKeyString()} belongs to another spec.");
        }

        if (IsRunning)
        {
            // The job polls Start every poll interval; the reminder is written on the first poll of an activation only.
            await KeepResuming(options.Value.ResumePeriod);
        }

        return Progress();
    }

    Task<ShardProgress> ICheckpointShardGrain.GetProgress() => Task.FromResult(Progress());

    async Task ICheckpointShardGrain.Forget()
    {
        Work.Cancel();
        State.Spec = null;
        State.Status = ShardStatus.Pending;
        State.Staged = null;
        State.Error = null;
        await Write();
        await StopResuming();
    }

    Task ICheckpointShardGrain.Resume()
    {
        EnsureWork();
        return Task.CompletedTask;
    }

    private ShardProgress Progress()
    {
        var runs = State.Spec is { } spec ? RunCount(spec) : 0;
        var sealedShard = State.Status == ShardStatus.Sealed ? State.Staged : null;
        var trained = sealedShard is null ? _runsTrained : runs;
        var epochs = sealedShard is null ? _runEpochsDone : (long)runs * State.Spec!.Epochs;
        return new ShardProgress(State.Status, trained, runs, sealedShard, State.Error, epochs);
    }

    private int RunCount(CollectionJobSpec spec)
    {
        var (first, last) = spec.RunsOfShard(Index);
        return last - first + 1;
    }

    private int Index => CollectionJobIds.Parse(this.GetPrimaryKeyString()).Index;

    private string JobId => CollectionJobIds.Parse(this.GetPrimaryKeyString()).JobId;

    private async Task Seal(CollectionJobSpec spec, CancellationToken ct)
    {
        // Leave the calling turn first so Start returns at once; continuations stay on this grain's scheduler.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.ForceYielding);
        var key = ArtifactKeys.Shard(JobId, Index);
        try
        {
            if (State.Staged is { } staged && await artifacts.Commit(key, staged.Sha256, ct))
            {
                await MarkSealed(staged);
                return;
            }

            if (await Adopt(key, spec, ct) is { } adopted)
            {
                State.Staged = adopted;
                await MarkSealed(adopted);
                return;
            }

            var runs = await TrainRuns(spec, ct);
            var (manifest, bytes) = await Task.Run(() => Serialize(spec, key, runs), ct);
            await artifacts.Stage(key, bytes, manifest.Sha256, ct);
            State.Staged = manifest;
            State.Status = ShardStatus.Staged;
            await Write();
            if (await artifacts.Commit(key, manifest.Sha256, ct))
            {
                metrics.ShardBytesWritten.Add(manifest.Bytes, new KeyValuePair<string, object?>("store", artifacts.Kind));
            }
            else
            {
                // Another activation of this shard committed first (possible for a moment while a dead silo is
                // evicted); its bytes hold the same runs, so this one adopts them instead of publishing a second copy.
                manifest = await Adopt(key, spec, ct) ?? throw new IOException($"Shard {key} was staged but neither committed nor found.");
            }

            await MarkSealed(manifest);
            await Task.WhenAll(Enumerable.Range(manifest.FirstRun, manifest.LastRun - manifest.FirstRun + 1)
                .Select(r => GrainFactory.GetGrain<ITrainingRunGrain>(CollectionJobIds.Run(JobId, r)).MarkSealed()));
        }
        catch (Exception e) when (State.Status == ShardStatus.Sealed && !ct.IsCancellationRequested)
        {
            // The shard is safe; runs that missed the news free their memory when idle collection deactivates them.
            log.LogWarning(e, "Shard {Shard} sealed, but not every run could be told", this.GetPrimaryKeyString());
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            log.LogInformation("Shard {Shard} stopped by deactivation; it resumes where its state says", this.GetPrimaryKeyString());
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or ArgumentException)
        {
            log.LogError(e, "Shard {Shard} failed", this.GetPrimaryKeyString());
            State.Error = e.Message;
            await Write();
            await StopResuming();
        }
        catch (Exception e)
        {
            // Storage or messaging trouble: the job's next poll (Start) or the next reminder tick runs the loop again from
            // the recorded state.
            log.LogWarning(e, "Shard {Shard} interrupted; it resumes on the next poll", this.GetPrimaryKeyString());
        }
    }

    private async Task MarkSealed(CheckpointShardManifest manifest)
    {
        State.Status = ShardStatus.Sealed;
        State.Staged = manifest;
        await Write();
        log.LogInformation("Shard {Shard} sealed: {Count} checkpoints, sha256 {Sha}", this.GetPrimaryKeyString(), manifest.Count, manifest.Sha256);
        await StopResuming();
    }

    /// <summary>A shard committed by an earlier life of this job (e.g. a previous embedded process) is reused once verified.</summary>
    private async Task<CheckpointShardManifest?> Adopt(string key, CollectionJobSpec spec, CancellationToken ct)
    {
        if (await artifacts.Find(key, ct) is not { } found)
        {
            return null;
        }

        try
        {
            var bytes = await artifacts.ReadVerified(key, found.Sha256, ct);
            var batch = ShardFile.Deserialize(bytes, key).Batch;
            var (first, last) = spec.RunsOfShard(Index);
            if (batch.Run.Any(r => r < first || r > last))
            {
                return null;
            }

            return ManifestOf(spec, key, batch, found.Sha256, bytes.Length);
        }
        catch (InvalidDataException e)
        {
            log.LogWarning(e, "Committed shard {Key} does not verify; computing it again", key);
            return null;
        }
    }

    /// <summary>
    /// Polls the shard's runs on a grain timer until all are trained; a poll also restarts a run whose silo died. The
    /// first round starts every run; after that, while nothing has finished, only the first missing run is polled: runs
    /// that train together in one vectorized pass finish together, so one cheap call per round tells when to collect
    /// them all. Every missing run is polled again as soon as the cluster membership changes or a poll fails: a silo
    /// died (or is shutting down), and the runs it held must restart now, together in one pass, not one by one as each
    /// earlier run finishes. This is what resumes and hands over runs, which keep no reminder of their own.
    /// </summary>
    private async Task<RunCheckpoints[]> TrainRuns(CollectionJobSpec spec, CancellationToken ct)
    {
        var (first, last) = spec.RunsOfShard(Index);
        var results = new RunCheckpoints?[last - first + 1];
        var epochs = new int[results.Length];
        var pollAll = true;
        var membershipSeen = membership.CurrentSnapshot.Version;
        await PollUntilDone(async () =>
        {
            var missing = Enumerable.Range(0, results.Length).Where(i => results[i] is null).ToList();
            var membershipNow = membership.CurrentSnapshot.Version;
            pollAll |= membershipNow != membershipSeen;
            membershipSeen = membershipNow;
            var failed = false;
            var polled = pollAll ? missing : missing.Take(1).ToList();
            await Task.WhenAll(polled.Select(async i =>
            {
                try
                {
                    var update = await GrainFactory.GetGrain<ITrainingRunGrain>(CollectionJobIds.Run(JobId, first + i)).Train(spec);
                    results[i] = update.Checkpoints;
                    epochs[i] = update.EpochsDone;
                }
                catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
                {
                    log.LogDebug(e, "Run {Run} unreachable; polling it again", first + i);
                    failed = true;
                }
            }));
            var finished = polled.Where(i => results[i] is not null).ToList();
            pollAll = finished.Count > 0 || failed;
            _runsTrained = results.Count(r => r is not null);
            var stillMissing = missing.Except(finished).ToList();
            var typical = polled.Except(finished).Select(i => epochs[i]).DefaultIfEmpty(0).Max();
            _runEpochsDone = ((long)_runsTrained * spec.Epochs) + ((long)stillMissing.Count * typical);
            return stillMissing.Count == 0;
        }, options.Value.PollInterval, ct);
        return results!;
    }

    /// <summary>Serializes the shard (runs in index order, no timestamps, so a re-run gives the same bytes) and hashes it.</summary>
    private (CheckpointShardManifest Manifest, byte[] Bytes) Serialize(CollectionJobSpec spec, string key, RunCheckpoints[] runs)
    {
        // Rows in (run, step) order, the order one engine pass over the shard's runs produces; with per-run results
        // independent of batching, the shard is then byte-identical to the in-process collector's.
        var batch = CheckpointBatch.Concat(runs.Select(r => new CheckpointBatch(
            r.Count, r.ParameterCount, r.ClassCount, r.Params, r.ClassLoss, r.ClassAcc,
            Enumerable.Repeat(r.Run, r.Count).ToArray(), r.Step, r.Epoch)).ToList()).InRunStepOrder();
        var bytes = ShardFile.Serialize(batch, ShardedCollection.Metadata(spec.ToEngineSpec(), runs[0].DataSource, Index));
        var sha = ArtifactChecksum.Sha256Of(bytes);
        return (ManifestOf(spec, key, batch, sha, bytes.Length), bytes);
    }

    private CheckpointShardManifest ManifestOf(CollectionJobSpec spec, string key, CheckpointBatch batch, string sha256, long bytes)
    {
        var (first, last) = spec.RunsOfShard(Index);
        var statistics = CheckpointStatistics.Of(batch);
        return new CheckpointShardManifest(JobId, Index, CollectionSpec.ShardName(Index), artifacts.UriOf(key), sha256, bytes,
            batch.Count, first, last, statistics.MeanClassLoss, statistics.MinClassLoss, statistics.MaxClassLoss);
    }
}
