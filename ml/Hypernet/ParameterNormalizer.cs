using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// Scales raw parameters into the diffusion's space: normalized = raw × c, no mean subtraction (G.pt's "openai"
/// normalizer, spec §2.1) with c = 0.538 / std. "global" uses one c over every element. "tensor" uses one c per
/// state-dict tensor: in 784-h-m nets fc1 holds over 99% of the values, so under one global c the few fc2 values that
/// decide the class losses end up many units wide (spec §10.1 note). Both are permutation invariant.
/// </summary>
public sealed class ParameterNormalizer
{
    /// <summary>The std of ImageNet pixels scaled to [-1, 1], which G.pt matches.</summary>
    public const double TargetStd = 0.538;

    public ParameterNormalizer(ParameterLayout layout, float[] coefficients)
    {
        if (coefficients.Length != layout.Tensors.Count || coefficients.Any(c => !(c > 0) || float.IsInfinity(c)))
        {
            throw new InvalidDataException($"Normalization needs {layout.Tensors.Count} positive coefficients; got [{string.Join(", ", coefficients)}].");
        }

        Layout = layout;
        Coefficients = coefficients;
        Scale = new float[layout.Count];
        foreach (var (t, c) in layout.Tensors.Zip(coefficients))
        {
            Array.Fill(Scale, c, t.Offset, t.Count);
        }
    }

    public ParameterLayout Layout { get; }

    /// <summary>One coefficient per tensor of the layout.</summary>
    public float[] Coefficients { get; }

    /// <summary>The coefficient of every parameter [P].</summary>
    public float[] Scale { get; }

    /// <summary>Coefficients from checkpoint rows (every row, or a deterministic sample of 25,000 as G.pt).</summary>
    public static ParameterNormalizer Fit(ParameterLayout layout, float[] rows, int count, string mode)
    {
        var picked = count <= 25_000 ? Enumerable.Range(0, count).ToArray() : new Random(10).GetItems(Enumerable.Range(0, count).ToArray(), 25_000);
        double Std(int offset, int length)
        {
            double sum = 0, squares = 0;
            long n = 0;
            foreach (var r in picked)
            {
                var span = rows.AsSpan((r * layout.Count) + offset, length);
                foreach (var v in span)
                {
                    sum += v;
                    squares += (double)v * v;
                }

                n += length;
            }

            var mean = sum / n;
            return Math.Sqrt(Math.Max(1e-12, (squares - (n * mean * mean)) / Math.Max(1, n - 1)));
        }

        var coefficients = mode switch
        {
            "global" => Enumerable.Repeat((float)(TargetStd / Std(0, layout.Count)), layout.Tensors.Count).ToArray(),
            "tensor" => layout.Tensors.Select(t => (float)(TargetStd / Std(t.Offset, t.Count))).ToArray(),
            _ => throw new ArgumentException($"normalization '{mode}' is not accepted; use global or tensor."),
        };
        return new ParameterNormalizer(layout, coefficients);
    }

    public Tensor Normalize(Tensor raw) => raw * tensor(Scale, device: raw.device);

    public Tensor Denormalize(Tensor normalized) => normalized / tensor(Scale, device: normalized.device);
}
