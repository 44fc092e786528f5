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

    [Alias("GetOutcome")]
    Task<UnlearningOutcome> GetOutcome();
}
