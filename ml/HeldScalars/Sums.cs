using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.HeldScalars;

/// <summary>
/// Tensor sums whose <c>alpha</c> is a Scalar that lives as long as the process. TorchSharp 0.107's <c>a + b</c> is
/// <c>a.add(b, 1)</c> with the 1 converted to a temporary Scalar that a garbage collection can free while the native call
/// reads it (see <see cref="AdamW"/>; its <c>a - b</c> passes no Scalar); the same native call, so the same bits. Used on
/// the hypernetwork's training step, where a failure costs a roll-back to the last checkpoint.
/// </summary>
public static class Sums
{
    private static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);
}
