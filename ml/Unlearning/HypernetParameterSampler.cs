using Lethe.ML.Hypernet;

namespace Lethe.ML.Unlearning;

/// <summary>
/// A trained <see cref="HypernetModel"/> as the <see cref="IParameterSampler"/> that <see cref="DiHyFoMethod"/> draws its
/// N candidates from: reverse diffusion (DDIM by default, HyperForget A.4), raw parameters in
/// <see cref="Nets.ParameterLayout"/> order. The candidates are spread evenly over the classifier-free guidance scales
/// of <see cref="Guidances"/> (each scale one batched pass from the same seed), so best-of-N also chooses how hard the
/// prompt is followed: DiHyFo-1's candidates barely depend on the noise, and its unguided step from the model to
/// unlearn falls short of the prompted losses.
/// </summary>
public sealed class HypernetParameterSampler : IParameterSampler
{
    /// <summary>Scales a guided hypernetwork's candidates are spread over unless told otherwise.</summary>
    public static readonly IReadOnlyList<double> DefaultLadder = [1, 1.5, 2, 3, 4, 6, 8];

    private readonly HypernetModel _model;

    /// <param name="guidance">Guidance scales; default: <see cref="DefaultLadder"/> for a model trained with condition
    /// dropout, else 1 (the only scale such a model accepts).</param>
    public HypernetParameterSampler(HypernetModel model, int steps = 50, string sampler = "ddim", IReadOnlyList<double>? guidance = null)
    {
        _model = model;
        Steps = steps;
        Sampler = sampler;
        // Every scale is checked against the model here, before any request work starts.
        Guidances = (guidance is { Count: > 0 } ? guidance : model.Denoiser.CanPredictUnconditionally ? DefaultLadder : [1])
            .Select(g => model.GuidanceScale(g)).ToArray();
    }

    public HypernetModel Model => _model;

    public int Steps { get; }

    public string Sampler { get; }

    public IReadOnlyList<double> Guidances { get; }

    /// <summary>The guidance scale candidate <paramref name="row"/> of <paramref name="count"/> is sampled with.</summary>
    public double GuidanceOf(int row, int count)
    {
        var start = 0;
        for (var g = 0; g < Guidances.Count; g++)
        {
            start += RowsAt(g, count);
            if (row < start)
            {
                return Guidances[g];
            }
        }

        throw new ArgumentOutOfRangeException(nameof(row), $"Candidate {row} is not among {count}.");
    }

    public IReadOnlyDictionary<string, object> Describe(int row, int count) => new Dictionary<string, object>
    {
        ["guidance_scales"] = Guidances,
        ["selected_guidance"] = GuidanceOf(row, count),
    };

    public float[][] Sample(SamplingConditions conditions, int count, int seed, CancellationToken cancellation = default)
    {
        if (conditions.TargetLosses.Length != _model.LossWidth)
        {
            throw new ArgumentException($"The hypernetwork ({_model.Variant}) takes {_model.LossWidth} target losses; got {conditions.TargetLosses.Length}.");
        }

        // DiHyFo-2 ignores the model to unlearn: passing it would not change the samples, so it is not passed.
        var current = _model.Variant.ConditionsOnCurrent ? conditions.CurrentParameters : null;
        var currentLoss = _model.Variant.ConditionsOnCurrent ? conditions.CurrentLosses : null;
        var rows = new List<float[]>(count);
        for (var g = 0; g < Guidances.Count; g++)
        {
            cancellation.ThrowIfCancellationRequested();
            var n = RowsAt(g, count);
            if (n > 0)
            {
                rows.AddRange(_model.Sample(new SampleConditions(conditions.TargetLosses, current, currentLoss), n, seed, Steps, Sampler, Guidances[g]));
            }
        }

        return [.. rows];
    }

    private int RowsAt(int scale, int count) => (count / Guidances.Count) + (scale < count % Guidances.Count ? 1 : 0);
}
