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

    /// <summary>
    /// Coefficients from checkpoint rows (every row, or a deterministic sample of 25,000 as G.pt), read from the source
    /// 1,024 rows at a time; each group's sums run in row order, so the result does not depend on the chunking.
    /// </summary>
    public static ParameterNormalizer Fit(ParameterLayout layout, Storage.ICheckpointSource source, string mode)
    {
        (int Offset, int Count)[] groups = mode switch
        {
            "global" => [(0, layout.Count)],
            "tensor" => layout.Tensors.Select(t => (t.Offset, t.Count)).ToArray(),
            _ => throw new ArgumentException($"normalization '{mode}' is not accepted; use global or tensor."),
        };
        var count = source.Count;
        var picked = count <= 25_000 ? Enumerable.Range(0, count).ToArray() : new Random(10).GetItems(Enumerable.Range(0, count).ToArray(), 25_000);
        var sums = new double[groups.Length];
        var squares = new double[groups.Length];
        const int Chunk = 1024;
        var rows = new float[Chunk * layout.Count];
        for (var start = 0; start < picked.Length; start += Chunk)
        {
            var n = Math.Min(Chunk, picked.Length - start);
            source.ReadRows(picked.AsSpan(start, n), rows.AsSpan(0, n * layout.Count));
            for (var r = 0; r < n; r++)
            {
                for (var g = 0; g < groups.Length; g++)
                {
                    foreach (var v in rows.AsSpan((r * layout.Count) + groups[g].Offset, groups[g].Count))
                    {
                        sums[g] += v;
                        squares[g] += (double)v * v;
                    }
                }
            }
        }

        var coefficients = groups.Select((group, g) =>
        {
            var values = (long)picked.Length * group.Count;
            var mean = sums[g] / values;
            var std = Math.Sqrt(Math.Max(1e-12, (squares[g] - (values * mean * mean)) / Math.Max(1, values - 1)));
            return (float)(TargetStd / std);
        }).ToArray();
        return new ParameterNormalizer(layout, mode == "global" ? Enumerable.Repeat(coefficients[0], layout.Tensors.Count).ToArray() : coefficients);
    }

    public Tensor Normalize(Tensor raw) => raw * tensor(Scale, device: raw.device);

    public Tensor Denormalize(Tensor normalized) => normalized / tensor(Scale, device: normalized.device);
}
