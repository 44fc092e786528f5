using Lethe.ML.Hypernet;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

public class DiffusionTests
{
    private readonly GaussianDiffusion _diffusion = GaussianDiffusion.Linear();

    [Fact]
    public void Schedule_is_linear_from_1em4_to_0_02_and_alpha_bar_is_the_running_product()
    {
        Assert.Equal(1000, _diffusion.Steps);
        Assert.Equal(1e-4, _diffusion.Betas[0], 12);
        Assert.Equal(0.02, _diffusion.Betas[999], 12);
        Assert.Equal(_diffusion.Betas[1] - _diffusion.Betas[0], _diffusion.Betas[600] - _diffusion.Betas[599], 12);
        var product = Enumerable.Range(0, 501).Aggregate(1.0, (p, i) => p * (1 - (1e-4 + ((0.02 - 1e-4) * i / 999))));
        Assert.Equal(product, _diffusion.AlphasCumprod[500], 10);
    }

    [Fact]
    public void Forward_process_is_scaled_signal_plus_scaled_noise()
    {
        var x0 = randn(4, 6);
        var noise = randn(4, 6);
        var steps = tensor(new long[] { 0, 10, 500, 999 });

        var xt = _diffusion.QSample(x0, steps, noise);

        for (var row = 0; row < 4; row++)
        {
            var a = _diffusion.AlphasCumprod[(int)steps[row].item<long>()];
            var expected = (Math.Sqrt(a) * x0[row]) + (Math.Sqrt(1 - a) * noise[row]);
            Assert.True(xt[row].allclose(expected, atol: 1e-5));
        }
    }

    [Fact]
    public void Posterior_is_the_product_of_the_two_Gaussians()
    {
        // q(x_{t-1} | x_t, x0) ∝ N(x_t; sqrt(α_t) x_{t-1}, β_t) · N(x_{t-1}; sqrt(ᾱ_{t-1}) x0, 1 − ᾱ_{t-1}).
        var x0 = randn(3, 5);
        var xt = randn(3, 5);
        var steps = tensor(new long[] { 1, 250, 998 });

        var (mean, variance) = _diffusion.Posterior(x0, xt, steps);

        for (var row = 0; row < 3; row++)
        {
            var t = (int)steps[row].item<long>();
            double beta = _diffusion.Betas[t], alpha = 1 - beta, previous = _diffusion.AlphasCumprodPrev[t];
            var precision = (1 / (1 - previous)) + (alpha / beta);
            var expectedMean = ((Math.Sqrt(previous) / (1 - previous) * x0[row]) + (Math.Sqrt(alpha) / beta * xt[row])) / precision;
            Assert.True(mean[row].allclose(expectedMean, rtol: 1e-4, atol: 1e-5));
            Assert.Equal(1 / precision, variance[row][0].item<float>(), 1e-6);
        }
    }

    [Fact]
    public void Respaced_schedule_keeps_alpha_bar_at_its_steps_and_passes_original_indices()
    {
        var spaced = _diffusion.Respaced(50);

        Assert.Equal(50, spaced.Steps);
        Assert.Equal(0, spaced.Timesteps[0]);
        Assert.Equal(999, spaced.Timesteps[^1]);
        for (var i = 0; i < spaced.Steps; i++)
        {
            Assert.Equal(_diffusion.AlphasCumprod[spaced.Timesteps[i]], spaced.AlphasCumprod[i], 10);
        }

        var full = _diffusion.Respaced(1000);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(_diffusion.Betas[i], full.Betas[i], 9);
        }
    }

    [Fact]
    public void Samplers_return_the_models_x0_when_it_is_a_fixed_point()
    {
        // A model that always predicts the same x0 must end exactly there (DDIM) or near it (DDPM's last step has no noise).
        var x0 = randn(2, 7);
        using var generator = new Generator(5);

        var ddim = _diffusion.Respaced(20).SampleDdim((_, _) => x0, [2, 7], generator, CPU);
        var ddpm = _diffusion.Respaced(20).SampleDdpm((_, _) => x0, [2, 7], generator, CPU);

        Assert.True(ddim.allclose(x0, atol: 1e-4));
        Assert.True(ddpm.allclose(x0, atol: 1e-2));
    }
}
