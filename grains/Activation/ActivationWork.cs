namespace Lethe.Grains.Activation;

/// <summary>
/// The one background task a grain activation runs beside its calls (a job's shard loop, a shard's training, a
/// hypernetwork's step batches, an unlearning request): started only when none is running, cancellable and restartable
/// (a job's Cancel), and cancelled then awaited when the activation ends so no work outlives it.
/// </summary>
public sealed class ActivationWork
{
    private CancellationTokenSource _stop = new();
    private Task? _running;

    /// <summary>Starts <paramref name="work"/> unless a task is still running.</summary>
    public void EnsureRunning(Func<CancellationToken, Task> work)
    {
        if (_running is { IsCompleted: false })
        {
            return;
        }

        if (_stop.IsCancellationRequested)
        {
            _stop.Dispose();
            _stop = new CancellationTokenSource();
        }

        _running = work(_stop.Token);
    }

    /// <summary>Asks the running task to stop without waiting for it.</summary>
    public void Cancel() => _stop.Cancel();

    /// <summary>Cancels the running task and waits for it (its own failure is its business), at most until <paramref name="cancellationToken"/>.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        _stop.Cancel();
        return _running is { } running
            ? running.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Current)
            : Task.CompletedTask;
    }
}
