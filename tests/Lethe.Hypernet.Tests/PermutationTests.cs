using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

public class PermutationTests
{
    [Fact]
    public void PermutingHiddenUnitsLeavesTheMlpOutputsUnchanged()
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
    public void TheSamePermutationMovesFc1RowsAndFc2ColumnsTogether()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 2, 4));
        var index = HiddenUnitPermutation.Indices(layout, [1, 0]);

        Assert.Equal(784, index[0]);                                       // fc1 row 0 <- row 1
        Assert.Equal(layout["fc1.bias"].Offset + 1, index[layout["fc1.bias"].Offset]);
        Assert.Equal(layout["fc2.weight"].Offset + 1, index[layout["fc2.weight"].Offset]);
        Assert.Equal(layout["fc2.bias"].Offset + 3, index[layout["fc2.bias"].Offset + 3]);   // class order kept
    }
}
