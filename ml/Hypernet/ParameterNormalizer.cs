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

    /// <summary>The accepted modes: <c>global</c> (one coefficient) and <c>tensor</c> (one per state-dict tensor).</summary>
    public static IReadOnlyList<string> Modes { get; } = ["global", "tensor"];

    /// <summary>Checkpoints a fit reads at most (G.pt fits on a deterministic sample of 25,000).</summary>
    public const int SampleSize = 25_000;

    /// <summary>
    /// The rows a fit reads, in row order: every row up to <paramref name="sampleSize"/>, else a deterministic draw of
    /// that many (with replacement; a row drawn twice counts twice). Reading in row order lets a pass over the shards
    /// (<see cref="Unlearning.DatasetStatistics"/>) accumulate exactly what <see cref="Fit"/> does.
    /// </summary>
    public static int[] SampleRows(int count, int sampleSize = SampleSize) =>
        count <= sampleSize ? Enumerable.Range(0, count).ToArray() : new Random(10).GetItems(Enumerable.Range(0, count).ToArray(), sampleSize).Order().ToArray();

    /// <summary>Coefficients from the <see cref="SampleRows"/> of a source, read 1,024 rows at a time.</summary>
    public static ParameterNormalizer Fit(ParameterLayout layout, Storage.ICheckpointSource source, string mode, int sampleSize = SampleSize)
    {
        var sums = new Sums(layout, mode);
        var picked = SampleRows(source.Count, sampleSize);
        const int Chunk = 1024;
        var rows = new float[Chunk * layout.Count];
        for (var start = 0; start < picked.Length; start += Chunk)
        {
            var n = Math.Min(Chunk, picked.Length - start);
            source.ReadRows(picked.AsSpan(start, n), rows.AsSpan(0, n * layout.Count));
            for (var r = 0; r < n; r++)
            {
                sums.Add(rows.AsSpan(r * layout.Count, layout.Count));
            }
        }

        return new ParameterNormalizer(layout, sums.Coefficients());
    }

    /// <summary>
    /// Running sums of a fit: per group (one for <c>global</c>, one per tensor for <c>tensor</c>) the sum and the sum of
    /// squares of the values of the rows added, in the order added.
    /// </summary>
    public sealed class Sums
    {
        private readonly ParameterLayout _layout;
        private readonly bool _global;
        private readonly (int Offset, int Count)[] _groups;
        private readonly double[] _sums;
        private readonly double[] _squares;
        private long _rows;

        public Sums(ParameterLayout layout, string mode)
        {
            _layout = layout;
            _global = Modes.Contains(mode)
                ? mode == "global"
                : throw new ArgumentException($"normalization '{mode}' is not accepted; use {string.Join(" or ", Modes)}.");
            _groups = _global ? [(0, layout.Count)] : layout.Tensors.Select(t => (t.Offset, t.Count)).ToArray();
            _sums = new double[_groups.Length];
            _squares = new double[_groups.Length];
        }

        public void Add(ReadOnlySpan<float> row)
        {
            for (var g = 0; g < _groups.Length; g++)
            {
                foreach (var v in row.Slice(_groups[g].Offset, _groups[g].Count))
                {
                    _sums[g] += v;
                    _squares[g] += (double)v * v;
                }
            }

            _rows++;
        }

        /// <summary>One coefficient per tensor of the layout: TargetStd / std of its group.</summary>
        public float[] Coefficients()
        {
            var coefficients = _groups.Select((group, g) =>
            {
                var values = _rows * group.Count;
                var mean = _sums[g] / values;
                var std = Math.Sqrt(Math.Max(1e-12, (_squares[g] - (values * mean * mean)) / Math.Max(1, values - 1)));
                return (float)(TargetStd / std);
            }).ToArray();
            return _global ? Enumerable.Repeat(coefficients[0], _layout.Tensors.Count).ToArray() : coefficients;
        }
    }

    public Tensor Normalize(Tensor raw) => raw * tensor(Scale, device: raw.device);

    public Tensor Denormalize(Tensor normalized) => normalized / tensor(Scale, device: normalized.device);
}
