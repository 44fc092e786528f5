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
/// trained again and (being deterministic) give the same bytes. Each run lands in exactly this one shard.
/// </summary>
public sealed class CheckpointShardGrain(
    [PersistentState("shard", CollectionOptions.StorageName)] IPersistentState<CheckpointShardState> state,
    IArtifactStore artifacts,
    LetheMetrics metrics,
    IOptions<CollectionOptions> options,
    IClusterMembershipService membership,
    ILogger<CheckpointShardGrain> log) : Grain, ICheckpointShardGrain
{
    private readonly ActivationWork _loop = new();
    private int _runsTrained;
    private long _runEpochsDone;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        EnsureLoop();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _loop.StopAsync(cancellationToken);
    }

    async Task<ShardProgress> ICheckpointShardGrain.Start(CollectionJobSpec spec)
    {
        if (state.State.Spec is null)
        {
            state.State.Spec = spec;
            state.State.Status = ShardStatus.Training;
            await state.WriteStateAsync();
        }
        else if (state.State.Spec.JobId() != spec.JobId())
        {
            throw new ArgumentException($"Shard {this.GetPrimaryKeyString()} belongs to another spec.");
        }

        EnsureLoop();
        return Progress();
    }

    Task<ShardProgress> ICheckpointShardGrain.GetProgress() => Task.FromResult(Progress());

    Task ICheckpointShardGrain.Resume()
    {
        EnsureLoop();
        return Task.CompletedTask;
    }

    private ShardProgress Progress()
    {
        var runs = state.State.Spec is { } spec ? RunCount(spec) : 0;
        var sealedShard = state.State.Status == ShardStatus.Sealed ? state.State.Staged : null;
        var trained = sealedShard is null ? _runsTrained : runs;
        var epochs = sealedShard is null ? _runEpochsDone : (long)runs * state.State.Spec!.Epochs;
        return new ShardProgress(state.State.Status, trained, runs, sealedShard, state.State.Error, epochs);
    }

    private int RunCount(CollectionJobSpec spec)
    {
        var (first, last) = spec.RunsOfShard(Index);
        return last - first + 1;
    }

    private int Index => CollectionJobIds.Parse(this.GetPrimaryKeyString()).Index;

    private string JobId => CollectionJobIds.Parse(this.GetPrimaryKeyString()).JobId;

    private void EnsureLoop()
    {
        if (state.State is { Spec: { } spec, Error: null } && state.State.Status != ShardStatus.Sealed)
        {
            _loop.EnsureRunning(ct => Seal(spec, ct));
        }
    }

    private async Task Seal(CollectionJobSpec spec, CancellationToken ct)
    {
        // Leave the calling turn first so Start returns at once; continuations stay on this grain's scheduler.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.ForceYielding);
        var key = CollectionJobSpecExtensions.ShardKey(JobId, Index);
        try
        {
            if (state.State.Staged is { } staged && await artifacts.Commit(key, staged.Sha256, ct))
            {
                await MarkSealed(staged);
                return;
            }

            if (await Adopt(key, spec, ct) is { } adopted)
            {
                state.State.Staged = adopted;
                await MarkSealed(adopted);
                return;
            }

            var runs = await TrainRuns(spec, ct);
            var (manifest, bytes) = await Task.Run(() => Write(spec, key, runs), ct);
            await artifacts.Stage(key, bytes, manifest.Sha256, ct);
            state.State.Staged = manifest;
            state.State.Status = ShardStatus.Staged;
            await state.WriteStateAsync();
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
        catch (Exception e) when (state.State.Status == ShardStatus.Sealed && !ct.IsCancellationRequested)
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
            state.State.Error = e.Message;
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            // Storage or messaging trouble: the job's next poll (Start) runs the loop again from the recorded state.
            log.LogWarning(e, "Shard {Shard} interrupted; it resumes on the next poll", this.GetPrimaryKeyString());
        }
    }

    private async Task MarkSealed(CheckpointShardManifest manifest)
    {
        state.State.Status = ShardStatus.Sealed;
        state.State.Staged = manifest;
        await state.WriteStateAsync();
        log.LogInformation("Shard {Shard} sealed: {Count} checkpoints, sha256 {Sha}", this.GetPrimaryKeyString(), manifest.Count, manifest.Sha256);
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
    /// Polls the shard's runs until all are trained; a poll also restarts a run whose silo died. The first round starts
    /// every run; after that, while nothing has finished, only the first missing run is polled: runs that train together
    /// in one vectorized pass finish together, so one cheap call per round tells when to collect them all. Every
    /// missing run is polled again as soon as the cluster membership changes or a poll fails: a silo died, and the runs
    /// it held must restart now, together in one pass, not one by one as each earlier run finishes.
    /// </summary>
    private async Task<RunCheckpoints[]> TrainRuns(CollectionJobSpec spec, CancellationToken ct)
    {
        var (first, last) = spec.RunsOfShard(Index);
        var results = new RunCheckpoints?[last - first + 1];
        var epochs = new int[results.Length];
        var pollAll = true;
        var membershipSeen = membership.CurrentSnapshot.Version;
        while (true)
        {
            var missing = Enumerable.Range(0, results.Length).Where(i => results[i] is null).ToList();
            if (missing.Count == 0)
            {
                return results!;
            }

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
            if (stillMissing.Count > 0)
            {
                await Task.Delay(options.Value.PollInterval, ct);
            }
        }
    }

    /// <summary>Serializes the shard (runs in index order, no timestamps, so a re-run gives the same bytes) and hashes it.</summary>
    private (CheckpointShardManifest Manifest, byte[] Bytes) Write(CollectionJobSpec spec, string key, RunCheckpoints[] runs)
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
