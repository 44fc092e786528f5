using Lethe.Contracts.Collection;
using Lethe.Grains.Activation;
using Lethe.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lethe.Grains.Collection;

/// <summary>
/// A collection job. Calls return at once; a background loop (at most one per activation, <see cref="ResumableGrain{TState}"/>)
/// starts shards with bounded concurrency and polls them on a grain timer, persisting each sealed shard. A reminder
/// reactivates the job on a surviving silo after its silo died, and the loop continues from the persisted state.
/// </summary>
public sealed class CollectionJobGrain(
    [PersistentState("job", CollectionOptions.StorageName)] IPersistentState<CollectionJobState> state,
    IOptions<CollectionOptions> options,
    ILogger<CollectionJobGrain> log) : ResumableGrain<CollectionJobState>(state), ICollectionJobGrain
{
    private long _activeRunEpochs;

    protected override bool IsRunning => State.Status == JobStatus.Running;

    protected override Task RunAsync(CancellationToken ct) => Run(State.Spec!, ct);

    protected override Task HandOver() => this.AsReference<ICollectionJobGrain>().Resume();

    async Task<JobPlan> ICollectionJobGrain.Plan(CollectionJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validated();
        var id = spec.JobId();
        if (id != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"The spec hashes to job id {id}, not to this job's id {this.GetPrimaryKeyString()}; address the job by the hash of its spec.");
        }

        if (State.Spec is null)
        {
            State.Spec = spec;
            State.Status = JobStatus.Planned;
            await Write();
        }

        return new JobPlan(id, spec, spec.Runs, spec.ShardCount, spec.RunsPerShard);
    }

    async Task<JobProgress> ICollectionJobGrain.Start()
    {
        if (State.Spec is null)
        {
            throw new InvalidOperationException($"Job {this.GetPrimaryKeyString()} has no plan; submit its spec with Plan first.");
        }

        if (State.Status != JobStatus.Completed && State.Status != JobStatus.Running)
        {
            State.Status = JobStatus.Running;
            State.Error = null;
            State.StartedUtc ??= DateTimeOffset.UtcNow;
            await Write();
        }

        if (IsRunning)
        {
            await KeepResuming(options.Value.ResumePeriod);
        }

        return Progress();
    }

    Task<JobProgress> ICollectionJobGrain.GetProgress() => Task.FromResult(Progress());

    async Task<JobProgress> ICollectionJobGrain.Cancel()
    {
        if (State.Status is JobStatus.Planned or JobStatus.Running)
        {
            Work.Cancel();
            State.Status = JobStatus.Cancelled;
            State.FinishedUtc = DateTimeOffset.UtcNow;
            await Write();
            await StopResuming();
        }

        return Progress();
    }

    Task<IReadOnlyList<CheckpointShardManifest>> ICollectionJobGrain.GetShards() =>
        Task.FromResult<IReadOnlyList<CheckpointShardManifest>>(State.Sealed.OrderBy(s => s.Key).Select(s => s.Value).ToList());

    async Task ICollectionJobGrain.Forget()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Job {this.GetPrimaryKeyString()} is being collected; cancel it first.");
        }

        // Its shards first, a bounded number of calls at a time, so a collection of the same spec starts from nothing.
        if (State.Spec is { } spec)
        {
            foreach (var chunk in Enumerable.Range(0, spec.ShardCount).Chunk(64))
            {
                await Task.WhenAll(chunk.Select(i => GrainFactory.GetGrain<ICheckpointShardGrain>(CollectionJobIds.Shard(this.GetPrimaryKeyString(), i)).Forget()));
            }
        }

        State.Spec = null;
        State.Status = JobStatus.Planned;
        State.Sealed = [];
        State.Error = null;
        State.StartedUtc = null;
        State.FinishedUtc = null;
        await Write();
        await StopResuming();
    }

    Task ICollectionJobGrain.Resume()
    {
        EnsureWork();
        return Task.CompletedTask;
    }

    private JobProgress Progress()
    {
        var spec = State.Spec;
        var sealedShards = State.Sealed.Values.ToList();
        return new JobProgress(
            this.GetPrimaryKeyString(), State.Status, spec?.Runs ?? 0,
            sealedShards.Sum(s => s.LastRun - s.FirstRun + 1), spec?.ShardCount ?? 0, sealedShards.Count,
            sealedShards.Sum(s => (long)s.Count), State.Error, State.StartedUtc, State.FinishedUtc,
            (sealedShards.Sum(s => (long)(s.LastRun - s.FirstRun + 1)) * (spec?.Epochs ?? 0)) + _activeRunEpochs,
            (long)(spec?.Runs ?? 0) * (spec?.Epochs ?? 0));
    }

    /// <summary>
    /// The job's one loop: each round, on a grain timer every <see cref="CollectionOptions.PollInterval"/>, tops the
    /// active shards up to <see cref="CollectionOptions.MaxConcurrentShards"/> in index order, polls them all with
    /// Start (idempotent, and it restarts a shard whose silo died), and persists the shards that sealed.
    /// </summary>
    private async Task Run(CollectionJobSpec spec, CancellationToken ct)
    {
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.ForceYielding);
        var pending = new Queue<int>(Enumerable.Range(0, spec.ShardCount).Where(i => !State.Sealed.ContainsKey(i)));
        var active = new List<int>();
        string? failure = null;
        try
        {
            await PollUntilDone(async () =>
            {
                while (active.Count < Math.Max(1, options.Value.MaxConcurrentShards) && pending.Count > 0)
                {
                    active.Add(pending.Dequeue());
                }

                var polls = await Task.WhenAll(active.Select(i => Poll(spec, i)));
                // A cancel that arrived during the polls wins: nothing below may overwrite its status.
                ct.ThrowIfCancellationRequested();
                _activeRunEpochs = polls.Where(p => p is { Manifest: null }).Sum(p => p!.RunEpochsDone);
                var changed = false;
                foreach (var (index, progress) in active.Zip(polls).ToList())
                {
                    if (progress?.Error is { } error)
                    {
                        failure = $"Shard {index} failed: {error}";
                        return true;
                    }

                    if (progress?.Manifest is { } manifest)
                    {
                        State.Sealed[index] = manifest;
                        active.Remove(index);
                        changed = true;
                    }
                }

                if (changed)
                {
                    await Write();
                }

                return pending.Count == 0 && active.Count == 0;
            }, options.Value.PollInterval, ct);

            _activeRunEpochs = 0;
            ct.ThrowIfCancellationRequested();
            await Finish(failure is null ? JobStatus.Completed : JobStatus.Failed, failure);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Storage trouble: the loop restarts from the persisted state at the next call or reminder tick.
            log.LogWarning(e, "Job {JobId} loop interrupted", this.GetPrimaryKeyString());
        }
    }

    private async Task<ShardProgress?> Poll(CollectionJobSpec spec, int index)
    {
        try
        {
            return await GrainFactory.GetGrain<ICheckpointShardGrain>(CollectionJobIds.Shard(this.GetPrimaryKeyString(), index)).Start(spec);
        }
        catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
        {
            log.LogDebug(e, "Shard {Index} unreachable; polling it again", index);
            return null;
        }
    }

    private async Task Finish(JobStatus status, string? error)
    {
        State.Status = status;
        State.Error = error;
        State.FinishedUtc = DateTimeOffset.UtcNow;
        await Write();
        await StopResuming();
        log.LogInformation("Job {JobId} {Status}: {Shards} shards", this.GetPrimaryKeyString(), status, State.Sealed.Count);
        if (status == JobStatus.Completed)
        {
            // The dataset is sealed: its statistics are computed now, once, so no request waits for them.
            await GrainFactory.GetGrain<IDatasetStatisticsGrain>(this.GetPrimaryKeyString()).Prepare();
        }
    }
}
