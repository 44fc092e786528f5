namespace Lethe.Grains.Activation;

/// <summary>
/// A grain whose work outlives its calls and its silo (a collection job, a hypernetwork training, an unlearning
/// request): one background task per activation (<see cref="ActivationWork"/>) while the persisted state says the work
/// is under way; a "resume" reminder that brings it back on a surviving silo after its silo died; a call to itself when
/// its silo shuts down, so a new activation elsewhere takes over at once rather than at the next reminder tick; and
/// state writes one at a time (the work and the calls interleave at awaits, and Orleans storage rejects a write while
/// another is in flight).
/// </summary>
public abstract class ResumableGrain<TState>(IPersistentState<TState> persisted) : Grain, IRemindable
{
    private const string ResumeReminder = "resume";

    private readonly SemaphoreSlim _writing = new(1, 1);

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

    /// <summary>Registers the reminder that resumes the work on a surviving silo every <paramref name="period"/>, then starts the work.</summary>
    protected async Task KeepResuming(TimeSpan period)
    {
        await this.RegisterOrUpdateReminder(ResumeReminder, period, period);
        EnsureWork();
    }

    /// <summary>Drops the resume reminder (the work finished, failed or was cancelled).</summary>
    protected async Task StopResuming()
    {
        if (await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    protected async Task Write()
    {
        await _writing.WaitAsync();
        try
        {
            await persisted.WriteStateAsync();
        }
        finally
        {
            _writing.Release();
        }
    }
}
