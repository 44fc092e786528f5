namespace Lethe.ML.Unlearning;

/// <summary>
/// One way to turn a trained model and a forget set into an unlearned model (unlearning-methods.md, Methods). A method
/// is asynchronous because some fan work out (DiHyFo samples its candidates over sampler grains) while all tensor work
/// must run where the host says: every piece of torch work goes through <see cref="IUnlearningContext.Compute{T}"/> and
/// never spans an <c>await</c> (dispose scopes are per thread).
/// </summary>
public interface IUnlearningMethod
{
    /// <summary>The name the CLI and the reports use, e.g. <c>neggrad+</c>.</summary>
    string Name { get; }

    /// <summary>The data the method reads.</summary>
    DataAccess Needs { get; }

    /// <summary>Every setting that determines the result besides the request (recorded in the report).</summary>
    IReadOnlyDictionary<string, object> HyperParameters { get; }

    /// <summary>
    /// Unlearns <paramref name="request"/>'s forget set, reporting progress on <paramref name="context"/>; stops with an
    /// <see cref="OperationCanceledException"/> between steps once <paramref name="cancellation"/> is cancelled.
    /// </summary>
    Task<UnlearningResult> UnlearnAsync(UnlearningRequest request, IUnlearningContext context, CancellationToken cancellation);
}
