using Lethe.Contracts.Hypernet;
using Lethe.ML.Unlearning;

namespace Lethe.Grains.Unlearning;

/// <summary>
/// DiHyFo candidates sampled by sampler grains: the batches of the local sampler's <see cref="CandidatePlan"/> go, all
/// at once, to <paramref name="slots"/> sampler grains of the published version (<c>{name}/{version}/{slot}</c>), which
/// Orleans places over the silos (GPU silos first) and which keep the model loaded. A batch's rows depend only on its
/// seed, so the rows are those the local sampler would draw, wherever each batch ran.
/// </summary>
public sealed class GrainCandidateSampler(IGrainFactory grains, PublishedHypernet published, HypernetParameterSampler local, bool conditionsOnCurrent, int slots) : ICandidateSampler
{
    private CandidatePlan? _plan;
    private string[] _silos = [];

    public async Task<float[][]> Sample(SamplingConditions conditions, int count, int seed, IUnlearningContext context, CancellationToken cancellation)
    {
        var plan = local.Plan(count, seed);
        _plan = plan;
        // DiHyFo-2 ignores the model to unlearn: it would only make every message bigger.
        var condition = new SamplingCondition(conditions.TargetLosses,
            conditionsOnCurrent ? conditions.CurrentParameters : null, conditionsOnCurrent ? conditions.CurrentLosses : null);
        var done = 0;
        var batches = await Task.WhenAll(plan.Batches.Select(async batch =>
        {
            cancellation.ThrowIfCancellationRequested();
            var sampler = grains.GetGrain<ISamplerGrain>(ISamplerGrain.KeyOf(published.Name, published.Version, batch.Index % Math.Max(1, slots)));
            var sampled = await SampleWithRetries(sampler, new SampleRequest(published.Name, published.Version, [condition], batch.Rows, batch.Seed, local.Steps, local.Sampler, batch.Guidance), cancellation);
            if (sampled.Rows.Length != batch.Rows)
            {
                throw new InvalidDataException($"Sampler {published.Name}/{published.Version} returned {sampled.Rows.Length} rows for a batch of {batch.Rows}.");
            }

            context.Progress.Report(new UnlearningProgress("sampling candidates", (double)Interlocked.Increment(ref done) / plan.Batches.Count));
            return sampled;
        }));
        _silos = batches.Select(b => b.Silo).ToArray();
        return batches.SelectMany(b => b.Rows).ToArray();
    }

    /// <summary>
    /// A batch waits in its silo's compute queue behind other work (a collection pass, another request), which can
    /// outlast a response timeout; the rows depend only on the request, so asking again is safe.
    /// </summary>
    private static async Task<SampledBatch> SampleWithRetries(ISamplerGrain sampler, SampleRequest request, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellation.ThrowIfCancellationRequested();
            try
            {
                return await sampler.Sample(request);
            }
            catch (TimeoutException) when (attempt < 4)
            {
            }
        }
    }

    public IReadOnlyDictionary<string, object> Describe(int row, int count)
    {
        var described = new Dictionary<string, object>(local.Describe(row, count));
        if (_plan is not null && _silos.Length == _plan.Batches.Count)
        {
            described["sampler_silos"] = _silos.Distinct().Order().ToArray();
            described["selected_sampled_on"] = _silos[_plan.BatchOf(row).Index];
        }

        return described;
    }
}
