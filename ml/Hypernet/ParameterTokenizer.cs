using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// G.pt's <c>chunk_within_layer</c> split (design/hypernet-spec.md §1.2): each state-dict tensor is cut on its own into
/// full chunks plus one shorter remainder, so tokens never mix tensors and need no padding. With the chunk equal to the
/// input width, one fc1 token is exactly one hidden neuron's incoming weights, and permuting hidden units permutes fc1
/// tokens. 784-2-4 gives 5 tokens: [784, 784, 2, 8, 4].
/// </summary>
public sealed class ParameterTokenizer
{
    public ParameterTokenizer(ParameterLayout layout, int chunk)
    {
        if (chunk < 1)
        {
            throw new ArgumentException($"A token chunk must hold at least 1 parameter; got {chunk}.");
        }

        Layout = layout;
        var tokens = new List<ParameterToken>();
        foreach (var t in layout.Tensors)
        {
            for (var start = 0; start < t.Count; start += chunk)
            {
                tokens.Add(new ParameterToken(t.Name, t.Offset + start, Math.Min(chunk, t.Count - start)));
            }
        }

        Tokens = tokens;
    }

    public ParameterLayout Layout { get; }

    public IReadOnlyList<ParameterToken> Tokens { get; }

    public int[] Widths => Tokens.Select(t => t.Length).ToArray();

    /// <summary>Tokens of a batch of flat vectors [B, P], each [B, length].</summary>
    public IReadOnlyList<Tensor> Split(Tensor flat) => Tokens.Select(t => flat.narrow(1, t.Offset, t.Length)).ToList();

    /// <summary>The inverse of <see cref="Split"/>.</summary>
    public Tensor Join(IReadOnlyList<Tensor> tokens)
    {
        if (tokens.Count != Tokens.Count || tokens.Zip(Tokens).Any(p => p.First.shape[1] != p.Second.Length))
        {
            throw new ArgumentException($"Expected {Tokens.Count} tokens of widths [{string.Join(", ", Widths)}].");
        }

        return cat(tokens.ToList(), 1);
    }
}
