using Lethe.ML.HeldScalars;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// The DDPM of G.pt (spec §4): linear β from 1e-4 to 0.02 over 1000 steps (float64), x0 prediction, fixed large
/// variances (β_t, except the posterior variance of index 1 at t = 0), no clipping. A respaced copy keeps a subset of
/// the timesteps, recomputes β'_i = 1 − ᾱ_{k_i}/ᾱ_{k_{i−1}}, and still hands the model the original indices k_i
/// (G.pt respace.py). Sampling: ancestral DDPM or DDIM with η = 0.
/// </summary>
public sealed class GaussianDiffusion
{
    public const int TrainingSteps = 1000;

    private GaussianDiffusion(double[] betas, int[] timesteps)
    {
        Betas = betas;
        Timesteps = timesteps;
        var n = betas.Length;
        AlphasCumprod = new double[n];
        AlphasCumprodPrev = new double[n];
        PosteriorVariance = new double[n];
        var product = 1.0;
        for (var i = 0; i < n; i++)
        {
            AlphasCumprodPrev[i] = product;
            product *= 1 - betas[i];
            AlphasCumprod[i] = product;
            PosteriorVariance[i] = betas[i] * (1 - AlphasCumprodPrev[i]) / (1 - AlphasCumprod[i]);
        }
    }

    /// <summary>G.pt's schedule: linear β over <paramref name="steps"/>, both ends scaled by 1000/steps.</summary>
    public static GaussianDiffusion Linear(int steps = TrainingSteps)
    {
        var scale = 1000.0 / steps;
        double start = scale * 1e-4, end = scale * 0.02;
        var betas = Enumerable.Range(0, steps).Select(i => steps == 1 ? start : start + ((end - start) * i / (steps - 1))).ToArray();
        return new GaussianDiffusion(betas, Enumerable.Range(0, steps).ToArray());
    }

    public double[] Betas { get; }

    /// <summary>The original timestep index of each step, which is what the model is conditioned on.</summary>
    public int[] Timesteps { get; }

    public double[] AlphasCumprod { get; }

    public double[] AlphasCumprodPrev { get; }

    public double[] PosteriorVariance { get; }

    public int Steps => Betas.Length;

    /// <summary>Fixed large variances: β_t, with the posterior variance of index 1 in place of index 0.</summary>
    public double[] FixedLargeVariance => [PosteriorVariance.Length > 1 ? PosteriorVariance[1] : Betas[0], .. Betas.Skip(1)];

    /// <summary>
    /// Keeps <paramref name="count"/> evenly spaced steps of this schedule, the first and last included (G.pt
    /// space_timesteps with one section).
    /// </summary>
    public GaussianDiffusion Respaced(int count)
    {
        if (count < 1 || count > Steps)
        {
            throw new ArgumentException($"A respaced schedule keeps between 1 and {Steps} steps; got {count}.");
        }

        var kept = count == 1 ? [Steps - 1] : Enumerable.Range(0, count).Select(i => (int)Math.Round(i * (Steps - 1.0) / (count - 1))).Distinct().ToArray();
        var betas = new double[kept.Length];
        var previous = 1.0;
        for (var i = 0; i < kept.Length; i++)
        {
            betas[i] = 1 - (AlphasCumprod[kept[i]] / previous);
            previous = AlphasCumprod[kept[i]];
        }

        return new GaussianDiffusion(betas, kept.Select(k => Timesteps[k]).ToArray());
    }

    /// <summary>x_t = sqrt(ᾱ_t)·x0 + sqrt(1−ᾱ_t)·ε for step indices [B] of this schedule.</summary>
    public Tensor QSample(Tensor x0, Tensor steps, Tensor noise) =>
        (Gather(AlphasCumprod.Select(Math.Sqrt), steps, x0) * x0).Plus(Gather(AlphasCumprod.Select(a => Math.Sqrt(1 - a)), steps, x0) * noise);

    /// <summary>Mean and variance of q(x_{t−1} | x_t, x0) for step indices [B] (DDPM eq. 7).</summary>
    public (Tensor Mean, Tensor Variance) Posterior(Tensor x0, Tensor xt, Tensor steps)
    {
        var c0 = Enumerable.Range(0, Steps).Select(i => Betas[i] * Math.Sqrt(AlphasCumprodPrev[i]) / (1 - AlphasCumprod[i]));
        var ct = Enumerable.Range(0, Steps).Select(i => (1 - AlphasCumprodPrev[i]) * Math.Sqrt(1 - Betas[i]) / (1 - AlphasCumprod[i]));
        return ((Gather(c0, steps, x0) * x0) + (Gather(ct, steps, x0) * xt), Gather(PosteriorVariance, steps, x0).expand_as(x0));
    }

    /// <summary>
    /// Ancestral DDPM from x_T ~ N(0, I): x_{t−1} = posterior mean(x̂0, x_t) + sqrt(fixed large var_t)·z, no noise at the
    /// last step. <paramref name="predictX0"/> gets x_t and the original timestep indices.
    /// </summary>
    public Tensor SampleDdpm(Func<Tensor, Tensor, Tensor> predictX0, long[] shape, Generator generator, Device device)
    {
        var x = randn(shape, generator: generator, device: device);
        var variance = FixedLargeVariance;
        for (var i = Steps - 1; i >= 0; i--)
        {
            using var scope = NewDisposeScope();
            var steps = full(shape[0], i, ScalarType.Int64, device);
            var x0 = predictX0(x, full(shape[0], Timesteps[i], ScalarType.Int64, device));
            var (mean, _) = Posterior(x0, x, steps);
            var next = i > 0 ? mean + ((float)Math.Sqrt(variance[i]) * randn(shape, generator: generator, device: device)) : mean;
            var previous = x;
            x = next.MoveToOuterDisposeScope();
            previous.Dispose();
        }

        return x;
    }

    /// <summary>DDIM with η = 0: x_{t−1} = sqrt(ᾱ_{t−1})·x̂0 + sqrt(1−ᾱ_{t−1})·ε̂, ε̂ = (x_t − sqrt(ᾱ_t)·x̂0)/sqrt(1−ᾱ_t).</summary>
    public Tensor SampleDdim(Func<Tensor, Tensor, Tensor> predictX0, long[] shape, Generator generator, Device device)
    {
        var x = randn(shape, generator: generator, device: device);
        for (var i = Steps - 1; i >= 0; i--)
        {
            using var scope = NewDisposeScope();
            var x0 = predictX0(x, full(shape[0], Timesteps[i], ScalarType.Int64, device));
            var epsilon = (x - ((float)Math.Sqrt(AlphasCumprod[i]) * x0)) / (float)Math.Sqrt(1 - AlphasCumprod[i]);
            var next = ((float)Math.Sqrt(AlphasCumprodPrev[i]) * x0) + ((float)Math.Sqrt(1 - AlphasCumprodPrev[i]) * epsilon);
            var previous = x;
            x = next.MoveToOuterDisposeScope();
            previous.Dispose();
        }

        return x;
    }

    /// <summary>Per-row coefficients [B, 1, …] from a schedule array indexed by step indices [B].</summary>
    private static Tensor Gather(IEnumerable<double> values, Tensor steps, Tensor like)
    {
        var table = tensor(values.ToArray(), dtype: ScalarType.Float64, device: like.device);
        var shape = new long[like.ndim];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        return table.index_select(0, steps).to(like.dtype).view(shape);
    }
}
