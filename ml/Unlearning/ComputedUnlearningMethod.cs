namespace Lethe.ML.Unlearning;

/// <summary>
/// A method whose whole run is one piece of torch work (the gradient baselines, SSD, task negation, retrain): its
/// synchronous <see cref="Unlearn"/> runs in a single <see cref="IUnlearningContext.Compute{T}"/> call.
/// </summary>
public abstract class ComputedUnlearningMethod : IUnlearningMethod
{
    public abstract string Name { get; }

    public abstract DataAccess Needs { get; }

    public abstract IReadOnlyDictionary<string, object> HyperParameters { get; }

    public Task<UnlearningResult> UnlearnAsync(UnlearningRequest request, IUnlearningContext context, CancellationToken cancellation) =>
        context.Compute(() => Unlearn(request, context.Progress, cancellation), cancellation);

    /// <summary>
    /// The method itself, on the calling thread, for callers already placed on a compute thread (the pipeline retraining
    /// its reference, a bench). Checks <paramref name="cancellation"/> between steps; reports progress at most once an
    /// epoch.
    /// </summary>
    public abstract UnlearningResult Unlearn(UnlearningRequest request, IProgress<UnlearningProgress>? progress, CancellationToken cancellation);
}
