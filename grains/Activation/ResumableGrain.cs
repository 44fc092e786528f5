namespace Lethe.Grains.Activation;

/// <summary>
/// The one recipe for a grain whose work outlives its calls and its silo (a collection job, a checkpoint shard, a
/// hypernetwork training, an unlearning request), after the Orleans long-running-work how-to: one background task per
/// activation (<see cref="ActivationWork"/>) while the persisted state says the work is under way; a "resume" reminder
/// that brings it back on a surviving silo after its silo died; a call to itself when its silo shuts down, so a new
/// activation elsewhere takes over at once rather than at the next reminder tick; waiting between polls on a grain
/// timer (<see cref="PollUntilDone"/>); and every state write through <see cref="Write"/>, one at a time.
/// </summary>
public abstract class ResumableGrain<TState>(IPersistentState<TState> persisted) : Grain, IRemindable
{
    private const string ResumeReminder = "resume";

    private readonly StateWriter _writer = new(persisted);

    /// <summary>The reminder period this activation registered; a grain that is polled (a shard) registers once, not per poll.</summary>
    private TimeSpan? _resumingEvery;

    /// <summary>The persisted state.</summary>
    protected TState State => persisted.State;

    protected ActivationWork Work { get; } = new();

    /// <summary>Whether the persisted state says the work is under way.</summary>
    protected abstract bool IsRunning { get; }

    /// <summary>The background work; it continues from the persisted state.</summary>
    protected abstract Task RunAsync(CancellationToken ct);

    /// <summary>Any call to this grain through the runtime: it activates the grain on another silo, which resumes the work.</summary>
    protected abstract Task HandOver();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        EnsureWork();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Work.StopAsync(cancellationToken);

        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && IsRunning)
        {
            _ = HandOver();
        }
    }

    async Task IRemindable.ReceiveReminder(string reminderName, TickStatus status)
    {
        if (IsRunning)
        {
            EnsureWork();
        }
        else
        {
            await StopResuming();
        }
    }

    /// <summary>Starts the background work when the state says it is under way and none is running.</summary>
    protected void EnsureWork()
    {
        if (IsRunning)
        {
            Work.EnsureRunning(RunAsync);
        }
    }

    /// <summary>
    /// Registers the reminder that resumes the work on a surviving silo every <paramref name="period"/> (once per
    /// activation and period: a reminder lives in the reminder table until unregistered), then starts the work.
    /// </summary>
    protected async Task KeepResuming(TimeSpan period)
    {
        if (_resumingEvery != period)
        {
            await this.RegisterOrUpdateReminder(ResumeReminder, period, period);
            _resumingEvery = period;
        }

        EnsureWork();
    }

    /// <summary>Drops the resume reminder (the work finished, failed or was cancelled).</summary>
    protected async Task StopResuming()
    {
        _resumingEvery = null;
        if (await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Removes the persisted state (the grain's record is deleted); call when no work runs.</summary>
    protected Task ClearState() => persisted.ClearStateAsync();

    /// <summary>Writes the persisted state; writes from the work and from calls go one at a time.</summary>
    protected Task Write() => _writer.Write();

    /// <summary>
    /// Runs <paramref name="round"/> on a grain timer, at once and then <paramref name="period"/> after each round ends,
    /// until a round returns true; then completes, or fails with the exception a round threw. When
    /// <paramref name="ct"/> is cancelled it stops ticking and completes cancelled once a round in flight has ended, so
    /// no round outlives the work that started it; a round checks <paramref name="ct"/> itself after its awaits.
    /// </summary>
    /// <remarks>
    /// Rounds interleave with the grain's calls (<see cref="GrainTimerCreationOptions.Interleave"/>), as the background
    /// task they belong to does: a round awaits other grains, which can take a whole response timeout while a dead silo
    /// is evicted, and progress and cancel calls must answer meanwhile. The timer does not keep the activation alive;
    /// the resume reminder and the callers' polls do.
    /// </remarks>
    protected async Task PollUntilDone(Func<Task<bool>> round, TimeSpan period, CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = Task.CompletedTask;
        var timer = this.RegisterGrainTimer(
            () => inFlight = Tick(),
            new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = period, Interleave = true });
        try
        {
            await done.Task.WaitAsync(ct);
        }
        finally
        {
            timer.Dispose();
            await inFlight;
        }

        async Task Tick()
        {
            if (done.Task.IsCompleted || ct.IsCancellationRequested)
            {
                return;
            }

            try
            {
                if (await round())
                {
                    done.TrySetResult();
                }
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }
    }
}
