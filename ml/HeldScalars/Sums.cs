using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.HeldScalars;

/// <summary>
/// Tensor sums whose <c>alpha</c> is a Scalar that lives as long as the process. TorchSharp 0.107's <c>a + b</c> is
/// <c>a.add(b, 1)</c> with the 1 converted to a temporary Scalar that a garbage collection can free while the native call
/// reads it (see <see cref="AdamW"/>; its <c>a - b</c> passes no Scalar); the same native call, so the same bits. Used on
/// the hypernetwork's training step (a failure costs a roll-back to the last checkpoint), the batched task nets and the
/// SGD loop.
/// </summary>
public static class Sums
{
    /// <summary>The alpha 1, held for the process's lifetime (in-place adds pass it themselves: <c>add_(b, Sums.One)</c>).</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);
}
