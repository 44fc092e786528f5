using Lethe.ML.Hypernet;

namespace Lethe.ML.Unlearning;

/// <summary>
/// A trained <see cref="HypernetModel"/> held in this process as the <see cref="ICandidateSampler"/> that
/// <see cref="DiHyFoMethod"/> draws its N candidates from: reverse diffusion (DDIM by default, HyperForget A.4), raw
/// parameters in <see cref="Nets.ParameterLayout"/> order. The candidates are spread evenly over the classifier-free
/// guidance scales of <see cref="Guidances"/> (a <see cref="CandidatePlan"/>), so best-of-N also chooses how hard the
/// prompt is followed: DiHyFo-1's candidates barely depend on the noise, and its unguided step from the model to
/// unlearn falls short of the prompted losses. <see cref="SampleBatch"/> samples one batch of the plan, which is what a
/// sampler grain on another silo runs to give exactly the rows this sampler would.
/// </summary>
public sealed class HypernetParameterSampler : ICandidateSampler
{
    /// <summary>Scales a guided hypernetwork's candidates are spread over unless told otherwise.</summary>
    public static readonly IReadOnlyList<double> DefaultLadder = [1, 1.5, 2, 3, 4, 6, 8];

    private readonly HypernetModel _model;

    /// <param name="guidance">Guidance scales; default: <see cref="DefaultLadder"/> for a model trained with condition
    /// dropout, else 1 (the only scale such a model accepts).</param>
    /// <param name="batchSize">Rows per sampling pass (<see cref="CandidatePlan.BatchSize"/>).</param>
    public HypernetParameterSampler(HypernetModel model, int steps = 50, string sampler = "ddim", IReadOnlyList<double>? guidance = null, int batchSize = CandidatePlan.DefaultBatchSize)
    {
        _model = model;
        Steps = steps;
        Sampler = sampler;
        // Every scale is checked against the model here, before any request work starts.
        Guidances = (guidance is { Count: > 0 } ? guidance : model.Denoiser.CanPredictUnconditionally ? DefaultLadder : [1])
            .Select(g => model.GuidanceScale(g)).ToArray();
        BatchSize = batchSize >= 1 ? batchSize : throw new ArgumentException($"The candidate batch size must be at least 1; got {batchSize}.");
    }

    public HypernetModel Model => _model;

    public int Steps { get; }

    public string Sampler { get; }

    public IReadOnlyList<double> Guidances { get; }

    public int BatchSize { get; }

    /// <summary>The batches <see cref="Sample"/> draws <paramref name="count"/> candidates in for a request seeded <paramref name="seed"/>.</summary>
    public CandidatePlan Plan(int count, int seed) => CandidatePlan.Create(count, Guidances, seed, BatchSize);

    /// <summary>The guidance scale candidate <paramref name="row"/> of <paramref name="count"/> is sampled with (the seed does not change it).</summary>
    public double GuidanceOf(int row, int count) => Plan(count, 0).BatchOf(row).Guidance;

    public IReadOnlyDictionary<string, object> Describe(int row, int count) => Plan(count, 0).Describe(row);

    public async Task<float[][]> Sample(SamplingConditions conditions, int count, int seed, IUnlearningContext context, CancellationToken cancellation)
    {
        var plan = Plan(count, seed);
        var rows = new List<float[]>(count);
        context.Progress.Report(new UnlearningProgress("sampling candidates", 0));
        foreach (var batch in plan.Batches)
        {
            rows.AddRange(await context.Compute(() => SampleBatch(conditions, batch), cancellation));
            context.Progress.Report(new UnlearningProgress("sampling candidates", (double)rows.Count / count));
        }

        return [.. rows];
    }

    /// <summary>The rows of one batch of a plan: torch work, run it on a compute thread.</summary>
    public float[][] SampleBatch(SamplingConditions conditions, CandidateBatch batch)
    {
        if (conditions.TargetLosses.Length != _model.LossWidth)
        {
            throw new ArgumentException($"The hypernetwork ({_model.Variant}) takes {_model.LossWidth} target losses; got {conditions.TargetLosses.Length}.");
        }

        // DiHyFo-2 ignores the model to unlearn: passing it would not change the samples, so it is not passed.
        var current = _model.Variant.ConditionsOnCurrent ? conditions.CurrentParameters : null;
        var currentLoss = _model.Variant.ConditionsOnCurrent ? conditions.CurrentLosses : null;
        return _model.Sample(new SampleConditions(conditions.TargetLosses, current, currentLoss), batch.Rows, batch.Seed, Steps, Sampler, batch.Guidance);
    }
}
