namespace Lethe.ML.Unlearning;

/// <summary>
/// An <see cref="IUnlearningContext"/> that runs tensor work on the calling thread and hands progress straight to
/// <paramref name="progress"/> (benches, tests, local tools). The returned tasks are already complete, so a method run
/// through it stays on one thread from start to end.
/// </summary>
public sealed class InlineUnlearningContext(Action<UnlearningProgress>? progress = null) : IUnlearningContext
{
    public IProgress<UnlearningProgress> Progress { get; } = new Callback(progress);

    public Task<T> Compute<T>(Func<T> work, CancellationToken cancellation)
    {
        if (cancellation.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellation);
        }

        try
        {
            return Task.FromResult(work());
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellation);
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    /// <summary>Reports synchronously, in order (<see cref="Progress{T}"/> would post each report to the thread pool).</summary>
    private sealed class Callback(Action<UnlearningProgress>? report) : IProgress<UnlearningProgress>
    {
        public void Report(UnlearningProgress value) => report?.Invoke(value);
    }
}
