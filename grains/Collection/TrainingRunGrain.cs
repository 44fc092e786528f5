using Lethe.Contracts.Collection;
using Lethe.Grains.Compute;
using Lethe.Grains.Placement;
using Lethe.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace Lethe.Grains.Collection;

/// <summary>
/// One training run. Its checkpoints live in this activation's memory only until its shard is committed: they are
/// recomputable (every run is deterministic), while putting them in grain state would rewrite megabytes per write.
/// </summary>
[PrefersGpu]
public sealed class TrainingRunGrain(
    [PersistentState("run", CollectionOptions.StorageName)] IPersistentState<TrainingRunState> state,
    ComputeExecutor executor,
    LetheMetrics metrics,
    ILogger<TrainingRunGrain> log) : Grain, ITrainingRunGrain
{
    private readonly CancellationTokenSource _deactivating = new();
    private Task? _training;
    private RunCheckpoints? _checkpoints;
    private string? _error;
    private int _epochsDone;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        metrics.RunStateChanged(null, state.State.Status.ToString());
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivating.Cancel();
        metrics.RunStateChanged(state.State.Status.ToString(), null);
        return Task.CompletedTask;
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

        _training ??= TrainInBackground(spec);
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

    private async Task TrainInBackground(CollectionJobSpec spec)
    {
        var (jobId, run) = CollectionJobIds.Parse(this.GetPrimaryKeyString());
        try
        {
            // Queue first, then record the status: runs reach the executor together and share one pass.
            var training = executor.Train(jobId, spec, run, epochs => Volatile.Write(ref _epochsDone, epochs), _deactivating.Token);
            await SetStatus(RunStatus.Training);
            var trained = await training;
            state.State.Checkpoints = trained.Checkpoints.Count;
            await SetStatus(RunStatus.Trained);
            _checkpoints = ToContract(run, trained);
        }
        catch (Exception e) when (!_deactivating.IsCancellationRequested)
        {
            log.LogWarning(e, "Run {Run} of job {JobId} failed", run, jobId);
            _error = $"Run {run} of job {jobId} failed: {e.Message}";
        }
        finally
        {
            _training = null;
        }
    }

    private async Task SetStatus(RunStatus status)
    {
        metrics.RunStateChanged(state.State.Status.ToString(), status.ToString());
        state.State.Status = status;
        await state.WriteStateAsync();
    }

    private static RunCheckpoints ToContract(int run, TrainedRun trained)
    {
        var batch = trained.Checkpoints;
        return new(run, batch.Count, batch.ParameterCount, batch.ClassCount, batch.Params, batch.ClassLoss, batch.ClassAcc, batch.Step, batch.Epoch, trained.DataSource);
    }
}
