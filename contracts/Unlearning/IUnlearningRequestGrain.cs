namespace Lethe.Contracts.Unlearning;

/// <summary>
/// One unlearning request (key: the request id). <see cref="Submit"/> validates everything before any work and returns
/// at once; the method runs on the silo's compute executor and the results land in the artifact store.
/// </summary>
[Alias("lethe.IUnlearningRequestGrain")]
public interface IUnlearningRequestGrain : IGrainWithStringKey
{
    /// <summary>Validates and starts the request; submitting the same id again returns its outcome so far.</summary>
    /// <exception cref="ArgumentException">Unknown method or preset; forget set empty, with a pivot, covering all classes or naming an unknown class.</exception>
    /// <exception cref="System.IO.InvalidDataException">The model is unreadable or has the wrong shape.</exception>
    /// <exception cref="InvalidOperationException">The id holds another request.</exception>
    [Alias("Submit")]
    Task<UnlearningOutcome> Submit(UnlearningRequestSpec spec);

    /// <summary>
    /// Validates the request completely (fields, model bytes, shapes, finite weights), then charges its tenant's quota
    /// and starts it; never throws for what a user got wrong. The request grain alone releases the slot it took,
    /// once, when the request completes, fails, is cancelled or deleted.
    /// </summary>
    [Alias("TrySubmit")]
    Task<UnlearningSubmission> TrySubmit(UnlearningRequestSpec spec);

    /// <summary>Stops a running request (status <c>Cancelled</c>) and frees its slot; a finished request is left as it is.</summary>
    [Alias("Cancel")]
    Task<UnlearningOutcome> Cancel();

    /// <summary>Stops the request and removes its uploaded model, results and report from the artifact store and its state; false when there was none.</summary>
    [Alias("Delete")]
    Task<bool> Delete();

    /// <summary>As <see cref="Delete"/>, called by the tenant grain deleting its tenant: the tenant is not called back.</summary>
    [Alias("DeleteForTenant")]
    Task<bool> DeleteForTenant();

    /// <summary>The unlearned model (<c>model</c>) or report JSON (<c>report</c>) of a completed request, verified; null before.</summary>
    [Alias("ReadResult")]
    Task<byte[]?> ReadResult(string kind);

    [Alias("GetOutcome")]
    Task<UnlearningOutcome> GetOutcome();
}
