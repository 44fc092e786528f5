using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

public class TokenizerTests
{
    [Fact]
    public void MNIST_4_net_splits_into_one_token_per_hidden_neuron_and_one_per_small_tensor()
    {
        var tokenizer = new ParameterTokenizer(ParameterLayout.For(new MlpArchitecture(784, 2, 4)), 784);

        Assert.Equal([784, 784, 2, 8, 4], tokenizer.Widths);
        Assert.Equal(["fc1.weight", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], tokenizer.Tokens.Select(t => t.Tensor));
    }

    [Fact]
    public void Split_then_join_returns_the_same_vectors_and_tokens_never_mix_tensors()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 7, 10));
        var tokenizer = new ParameterTokenizer(layout, 1000);
        var flat = randn(3, layout.Count);

        var tokens = tokenizer.Split(flat);
        var joined = tokenizer.Join(tokens);

        Assert.True(joined.equal(flat).all().item<bool>());
        Assert.Equal(layout.Count, tokenizer.Widths.Sum());
        foreach (var token in tokenizer.Tokens)
        {
            var tensor = layout[token.Tensor];
            Assert.InRange(token.Offset, tensor.Offset, tensor.Offset + tensor.Count - token.Length);
        }
    }

    [Fact]
    public void Grouped_encoder_applies_each_tokens_own_projection()
    {
        int[] widths = [3, 5, 3];
        var encoder = new TokenEncoder(widths, 4);
        var row = randn(2, 11);
        var weights = encoder.parameters().ToList();   // group of width 3 holds tokens 0 and 2, group of width 5 token 1

        var output = encoder.forward(row);

        var expectedToken2 = row.narrow(1, 8, 3).matmul(weights[0][1]);
        Assert.True(output[.., 2].allclose(expectedToken2, atol: 1e-6));
        Assert.True(output[.., 1].allclose(row.narrow(1, 3, 5).matmul(weights[1][0]), atol: 1e-6));
    }
}
