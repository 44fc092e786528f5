namespace Lethe.ML.Unlearning;

/// <summary>What the host of an unlearning request lends its methods: a place to run tensor work and someone to tell how far it got.</summary>
public interface IUnlearningContext
{
    /// <summary>
    /// Runs torch work where the host wants it (a silo's compute executor; inline in benches and tests). The work must
    /// not await: TorchSharp dispose scopes belong to the thread that opened them. Tensors that outlive one call (a
    /// probe, an evaluator) must be created outside any dispose scope.
    /// </summary>
    Task<T> Compute<T>(Func<T> work, CancellationToken cancellation);

    /// <summary>Progress for whoever follows the request; reported from compute threads, so it must not block.</summary>
    IProgress<UnlearningProgress> Progress { get; }
}
