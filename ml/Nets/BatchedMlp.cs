using Lethe.ML.HeldScalars;
using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.Nets;

/// <summary>
/// Runs K task nets given as flat parameter rows [K, P] on one input batch at once: fc1 of every net is one matmul
/// <c>X @ W1ᵀ</c> with W1 stacked to [K·h, in]; fc2 is a batched matmul. This is what makes collection, evaluation and
/// best-of-N selection fast on a CPU.
/// </summary>
public static class BatchedMlp
{
    /// <summary>Views of the four tensors of each row: W1 [K,h,in], b1 [K,h], W2 [K,m,h], b2 [K,m].</summary>
    public static (Tensor W1, Tensor B1, Tensor W2, Tensor B2) Split(ParameterLayout layout, Tensor flat)
    {
        var k = flat.shape[0];
        Tensor Part(string name)
        {
            var t = layout[name];
            return flat.narrow(1, t.Offset, t.Count).reshape([k, .. t.Shape]);
        }

        return (Part("fc1.weight"), Part("fc1.bias"), Part("fc2.weight"), Part("fc2.bias"));
    }

    /// <summary>Logits [K, N, m] of K nets on inputs [N, in].</summary>
    public static Tensor Logits(ParameterLayout layout, Tensor flat, Tensor inputs) =>
        Logits(Split(layout, flat), inputs);

    public static Tensor Logits((Tensor W1, Tensor B1, Tensor W2, Tensor B2) p, Tensor inputs)
    {
        var k = p.W1.shape[0];
        var h = p.W1.shape[1];
        var n = inputs.shape[0];
        var hidden = inputs.matmul(p.W1.reshape(k * h, -1).t()).Plus(p.B1.reshape(1, k * h));   // [N, K·h] (Plus: a held alpha, see Sums)
        hidden = nn.functional.relu(hidden).reshape(n, k, h).transpose(0, 1);                      // [K, N, h]
        return hidden.bmm(p.W2.transpose(1, 2)).Plus(p.B2.unsqueeze(1));                        // [K, N, m]
    }
}
