using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

public class PermutationTests
{
    [Fact]
    public void Permuting_hidden_units_leaves_the_MLP_outputs_unchanged()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 7, 10));
        var flat = randn(5, layout.Count);
        var inputs = rand(16, 784);

        var index = HiddenUnitPermutation.RandomIndices(layout, 5, new Random(3), CPU);
        var permuted = flat.gather(1, index);

        Assert.False(permuted.allclose(flat));
        Assert.True(BatchedMlp.Logits(layout, permuted, inputs).allclose(BatchedMlp.Logits(layout, flat, inputs), rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void Rescaling_hidden_units_leaves_the_MLP_outputs_unchanged()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 7, 10));
        var flat = randn(5, layout.Count);
        var inputs = rand(16, 784);

        var scaled = flat * HiddenUnitScaling.RandomFactors(layout, 5, logRange: 1.0, new Random(3), CPU);

        Assert.False(scaled.allclose(flat, rtol: 0.05, atol: 0.05));
        Assert.True(BatchedMlp.Logits(layout, scaled, inputs).allclose(BatchedMlp.Logits(layout, flat, inputs), rtol: 1e-4, atol: 1e-3));
    }

    [Fact]
    public void Scaling_multiplies_fc1_row_and_bias_and_divides_fc2_column_of_the_same_unit()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 2, 4));

        var factors = HiddenUnitScaling.Factors(layout, [2.0, 0.5]);

        Assert.Equal(2f, factors[0]);
        Assert.Equal(0.5f, factors[784]);
        Assert.Equal(2f, factors[layout["fc1.bias"].Offset]);
        Assert.Equal(0.5f, factors[layout["fc2.weight"].Offset]);          // class 0, unit 0
        Assert.Equal(2f, factors[layout["fc2.weight"].Offset + 1]);        // class 0, unit 1
        Assert.All(factors[layout["fc2.bias"].Offset..], f => Assert.Equal(1f, f));
        Assert.Throws<ArgumentException>(() => HiddenUnitScaling.Factors(layout, [1.0, 0.0]));
    }

    [Fact]
    public void The_same_permutation_moves_fc1_rows_and_fc2_columns_together()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 2, 4));
        var index = HiddenUnitPermutation.Indices(layout, [1, 0]);

        Assert.Equal(784, index[0]);                                       // fc1 row 0 <- row 1
        Assert.Equal(layout["fc1.bias"].Offset + 1, index[layout["fc1.bias"].Offset]);
        Assert.Equal(layout["fc2.weight"].Offset + 1, index[layout["fc2.weight"].Offset]);
        Assert.Equal(layout["fc2.bias"].Offset + 3, index[layout["fc2.bias"].Offset + 3]);   // class order kept
    }
}
