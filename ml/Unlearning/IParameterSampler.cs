namespace Lethe.ML.Unlearning;

/// <summary>
/// A trained hypernetwork seen from unlearning: "sample <c>count</c> parameter vectors for these conditions". Rows are
/// flat task-net parameters in <see cref="Nets.ParameterLayout"/> order; the same seed gives the same rows.
/// </summary>
public interface IParameterSampler
{
    float[][] Sample(SamplingConditions conditions, int count, int seed, CancellationToken cancellation = default);

    /// <summary>What a report should record about how candidate <paramref name="row"/> of <paramref name="count"/> was sampled (none by default).</summary>
    IReadOnlyDictionary<string, object> Describe(int row, int count) => new Dictionary<string, object>();
}

/// <summary>An <see cref="IParameterSampler"/> over a function, for plugging a sampler in without a class.</summary>
public sealed class DelegateParameterSampler(Func<SamplingConditions, int, int, float[][]> sample) : IParameterSampler
{
    public float[][] Sample(SamplingConditions conditions, int count, int seed, CancellationToken cancellation = default) =>
        sample(conditions, count, seed);
}
