using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

/// <summary>The size presets build the denoisers they promise; the GPU preset is at least built and run once here.</summary>
public sealed class PresetTests
{
    [Fact]
    public void The_paper_preset_builds_a_G_pt_sized_DiHyFo_1_on_cross_pairs_from_the_mean_base_that_samples_an_MNIST_net()
    {
        var options = HypernetOptions.ForPreset("paper", "dihyfo1");
        var architecture = new MlpArchitecture(784, 7, 10);
        var layout = ParameterLayout.For(architecture);
        using var model = new HypernetModel(options, architecture, new ParameterNormalizer(layout, [1f, 1f, 1f, 1f]));

        var parameters = model.Denoiser.parameters().Sum(p => p.numel());
        var target = tensor(Enumerable.Repeat(0.1f, 10).ToArray(), [1, 10]);
        var current = randn(1, layout.Count, generator: new Generator(3)) * 0.05f;
        var currentLoss = full(1, 10, 2.3f);
        var sample = model.Sample(target, current, currentLoss, seed: 1, steps: 1);

        Assert.Equal((1536, 12, 16), (options.Width, options.Layers, options.Heads));
        Assert.Equal((0.99, 0.0, true), (options.CrossPairs, options.ConditionDropout, options.MeanBase));
        // 12 pre-LN blocks of 12·d² weights each dominate: about 340 M parameters, as G.pt's MNIST model.
        Assert.InRange(parameters, 12L * 12 * 1536 * 1536, 500_000_000L);
        Assert.Equal([1L, layout.Count], sample.shape);
        Assert.True(sample.isfinite().all().item<bool>());
    }
}
