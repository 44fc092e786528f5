namespace Lethe.ML.Unlearning;

/// <summary>
/// A trained hypernetwork seen from unlearning: "sample <c>count</c> parameter vectors for these conditions". Rows are
/// flat task-net parameters in <see cref="Nets.ParameterLayout"/> order; the same seed gives the same rows wherever they
/// are sampled. A local sampler runs its batches through <see cref="IUnlearningContext.Compute{T}"/>; a distributed one
/// fans the batches of a <see cref="CandidatePlan"/> out over sampler grains and awaits them.
/// </summary>
public interface ICandidateSampler
{
    /// <summary>
    /// <paramref name="count"/> rows for <paramref name="conditions"/>, the rows of the plan's batches in order. Tensor work
    /// goes through <paramref name="context"/>, which also receives the <c>sampling candidates</c> progress.
    /// </summary>
    Task<float[][]> Sample(SamplingConditions conditions, int count, int seed, IUnlearningContext context, CancellationToken cancellation);

    /// <summary>What a report should record about how candidate <paramref name="row"/> of <paramref name="count"/> was sampled.</summary>
    IReadOnlyDictionary<string, object> Describe(int row, int count);
}
