using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

/// <summary>An <see cref="ICandidateSampler"/> over a function of (conditions, count, seed), for plugging fixed candidates into DiHyFo.</summary>
public sealed class DelegateCandidateSampler(Func<SamplingConditions, int, int, float[][]> sample) : ICandidateSampler
{
    public Task<float[][]> Sample(SamplingConditions conditions, int count, int seed, IUnlearningContext context, CancellationToken cancellation) =>
        Task.FromResult(sample(conditions, count, seed));

    public IReadOnlyDictionary<string, object> Describe(int row, int count) => new Dictionary<string, object>();
}
