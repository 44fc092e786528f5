using Lethe.Contracts.Collection;
using Lethe.Grains.Activation;
using Lethe.Grains.Compute;
using Lethe.Grains.Placement;
using Lethe.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace Lethe.Grains.Collection;

/// <summary>
/// One training run. Its checkpoints live in this activation's memory only until its shard is committed: they are
/// recomputable (every run is deterministic), while putting them in grain state would rewrite megabytes per write.
/// </summary>
/// <remarks>
/// Its background training is the lighter form of <see cref="ResumableGrain{TState}"/>: one task per activation
/// (<see cref="ActivationWork"/>), stopped and awaited when the activation ends, and state written one write at a time
/// (<see cref="StateWriter"/>), but no reminder and no hand-over. Its shard resumes it instead: the shard keeps a
/// reminder and polls every missing run again when the cluster membership changes, which restarts the runs of a dead
/// or departing silo elsewhere, together in one vectorized pass. A reminder per run would cost two reminder-table
/// writes per run and a tick per run per period (thousands at a time for a job of 1,000s of runs, all on Redis) to
/// resume work whose result lives only in memory and is of use only when its shard asks for it.
/// </remarks>
[PrefersGpu]
public sealed class TrainingRunGrain(
    [PersistentState("run", CollectionOptions.StorageName)] IPersistentState<TrainingRunState> state,
    ComputeExecutor executor,
    LetheMetrics metrics,
    ILogger<TrainingRunGrain> log) : Grain, ITrainingRunGrain
{
    private readonly ActivationWork _training = new();
    private readonly StateWriter _writer = new(state);
    private RunCheckpoints? _checkpoints;
    private string? _error;
    private int _epochsDone;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        metrics.RunStateChanged(null, state.State.Status.ToString());
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _training.StopAsync(cancellationToken);
        metrics.RunStateChanged(state.State.Status.ToString(), null);
    }

    Task<RunTrainingUpdate> ITrainingRunGrain.Train(CollectionJobSpec spec)
    {
        if (_checkpoints is not null)
        {
            return Task.FromResult(new RunTrainingUpdate(_checkpoints, spec.Epochs));
        }

        if (_error is { } error)
        {
            // Reported once; the next call trains again, in case the cause was transient.
            _error = null;
            throw new InvalidOperationException(error);
        }

        _training.EnsureRunning(ct => TrainInBackground(spec, ct));
        return Task.FromResult(new RunTrainingUpdate(null, Volatile.Read(ref _epochsDone)));
    }

    async Task ITrainingRunGrain.MarkSealed()
    {
        _checkpoints = null;
        await SetStatus(RunStatus.Sealed);
        DeactivateOnIdle();
    }

    Task<RunProgress> ITrainingRunGrain.GetProgress() =>
        Task.FromResult(new RunProgress(state.State.Status, state.State.Checkpoints, _error));

    private async Task TrainInBackground(CollectionJobSpec spec, CancellationToken ct)
    {
        var (jobId, run) = CollectionJobIds.Parse(this.GetPrimaryKeyString());
        try
        {
            // Queue first, then record the status: runs reach the executor together and share one pass.
            var training = executor.Train(jobId, spec, run, epochs => Volatile.Write(ref _epochsDone, epochs), ct);
            await SetStatus(RunStatus.Training);
            // A pass under way runs to its end on the executor (its other runs need it); this activation stops waiting.
            var trained = await training.WaitAsync(ct);
            state.State.Checkpoints = trained.Checkpoints.Count;
            await SetStatus(RunStatus.Trained);
            _checkpoints = ToContract(run, trained);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Deactivated: the shard's next poll trains the run again on a live activation.
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Run {Run} of job {JobId} failed", run, jobId);
            _error = $"Run {run} of job {jobId} failed: {e.Message}";
        }
    }

    private async Task SetStatus(RunStatus status)
    {
        metrics.RunStateChanged(state.State.Status.ToString(), status.ToString());
        state.State.Status = status;
        await _writer.Write();
    }

    private static RunCheckpoints ToContract(int run, TrainedRun trained)
    {
        var batch = trained.Checkpoints;
        return new(run, batch.Count, batch.ParameterCount, batch.ClassCount, batch.Params, batch.ClassLoss, batch.ClassAcc, batch.Step, batch.Epoch, trained.DataSource);
    }
}
