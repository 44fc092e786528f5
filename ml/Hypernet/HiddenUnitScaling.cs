using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// The positive-scaling symmetry of a ReLU net 784→h→m: relu(α·z) = α·relu(z) for α &gt; 0, so multiplying hidden unit
/// i's fc1 row and fc1 bias by α_i and dividing its fc2 column by α_i leaves every output unchanged. Training pairs get
/// one random α per hidden unit, the same for θ and θ*, so they keep their losses (an augmentation like
/// <see cref="HiddenUnitPermutation"/>, but continuous).
/// </summary>
public static class HiddenUnitScaling
{
    /// <summary>Elementwise factors [P] for the hidden-unit scales <paramref name="alpha"/> [h].</summary>
    public static float[] Factors(ParameterLayout layout, IReadOnlyList<double> alpha)
    {
        var a = layout.Architecture;
        if (alpha.Count != a.Hidden || alpha.Any(x => !(x > 0) || double.IsInfinity(x)))
        {
            throw new ArgumentException($"One positive finite scale per hidden unit ({a.Hidden}) is needed; got [{string.Join(", ", alpha)}].");
        }

        var factors = new float[layout.Count];
        Array.Fill(factors, 1f);
        int w1 = layout["fc1.weight"].Offset, b1 = layout["fc1.bias"].Offset, w2 = layout["fc2.weight"].Offset;
        for (var unit = 0; unit < a.Hidden; unit++)
        {
            Array.Fill(factors, (float)alpha[unit], w1 + (unit * a.Input), a.Input);
            factors[b1 + unit] = (float)alpha[unit];
            for (var cls = 0; cls < a.Classes; cls++)
            {
                factors[w2 + (cls * a.Hidden) + unit] = (float)(1 / alpha[unit]);
            }
        }

        return factors;
    }

    /// <summary>Factors [B, P] with fresh scales exp(U(−<paramref name="logRange"/>, <paramref name="logRange"/>)) per row and hidden unit.</summary>
    public static Tensor RandomFactors(ParameterLayout layout, int rows, double logRange, Random rng, Device device)
    {
        var all = new float[rows * (long)layout.Count];
        var alpha = new double[layout.Architecture.Hidden];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < alpha.Length; i++)
            {
                alpha[i] = Math.Exp(((2 * rng.NextDouble()) - 1) * logRange);
            }

            Factors(layout, alpha).CopyTo(all, r * (long)layout.Count);
        }

        return tensor(all, [rows, layout.Count], device: device);
    }
}
