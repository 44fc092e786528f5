using System.Buffers;
using System.Runtime.InteropServices;
using Lethe.ML.Storage;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// Checkpoints grouped by run, each run in chronological order (sorted by step explicitly: spec §5.2 warns that
/// storage order is not time order), with the loss conditioning of every row. Parameters stay in the
/// <see cref="ICheckpointSource"/>: <see cref="Normalized"/> and <see cref="Raw"/> read only the rows a minibatch needs,
/// so what this holds grows with the checkpoints (a few words each), never with checkpoints × parameters.
/// </summary>
public sealed class CheckpointRuns : IDisposable
{
    /// <summary>Rows gathered per read when a pass goes over every row (about 128 MB of parameters at a time).</summary>
    private const long ValuesPerChunk = 1L << 25;

    private readonly ICheckpointSource _source;
    private readonly int[] _sourceRows;
    private readonly Tensor _scale;

    private CheckpointRuns(ICheckpointSource source, int[] runIds, ParameterNormalizer normalizer, bool perClassLosses)
    {
        _source = source;
        var columns = source.Columns;
        var runIdSet = runIds.ToHashSet();
        var rows = Enumerable.Range(0, columns.Count).Where(r => runIdSet.Contains(columns.Run[r])).ToArray();
        _sourceRows = rows;
        Count = rows.Length;
        ClassCount = columns.ClassCount;
        ParameterCount = source.ParameterCount;
        RunIds = runIds;
        var position = new Dictionary<int, int>(rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            position[rows[i]] = i;
        }

        Runs = rows.GroupBy(r => columns.Run[r]).OrderBy(g => g.Key)
            .Select(g => g.OrderBy(r => columns.Step[r]).ThenBy(r => columns.Epoch[r]).Select(r => position[r]).ToArray()).ToList();
        Steps = rows.Select(r => columns.Step[r]).ToArray();
        ClassLoss = new float[Count * columns.ClassCount];
        for (var i = 0; i < rows.Length; i++)
        {
            columns.ClassLossOf(rows[i]).CopyTo(ClassLoss.AsSpan(i * columns.ClassCount, columns.ClassCount));
        }

        using var scope = NewDisposeScope();
        _scale = tensor(normalizer.Scale).MoveToOuterDisposeScope();
        var loss = tensor(ClassLoss, [Count, columns.ClassCount]);
        Losses = (perClassLosses ? loss : loss.mean([1], keepdim: true)).MoveToOuterDisposeScope();
    }

    public int Count { get; }

    public int ClassCount { get; }

    public int ParameterCount { get; }

    public int[] RunIds { get; }

    /// <summary>Row indices of each run, oldest first.</summary>
    public IReadOnlyList<int[]> Runs { get; }

    /// <summary>The global training step of each row.</summary>
    public int[] Steps { get; }

    /// <summary>Per-class test losses [Count × classes], raw.</summary>
    public float[] ClassLoss { get; }

    /// <summary>The conditioning losses [Count, w]: per-class, or their mean for G.pt's one global loss.</summary>
    public Tensor Losses { get; }

    public float LossOf(int row, int cls) => ClassLoss[(row * ClassCount) + cls];

    /// <summary>Raw parameters of one row.</summary>
    public float[] RawOf(int row) => _source.ReadRow(_sourceRows[row]);

    /// <summary>Raw parameters of the given rows [n, P] (CPU), read from the source.</summary>
    public Tensor Raw(IReadOnlyList<long> rows)
    {
        var n = rows.Count;
        var sourceRows = ArrayPool<int>.Shared.Rent(n);
        try
        {
            for (var i = 0; i < n; i++)
            {
                sourceRows[i] = _sourceRows[rows[i]];
            }

            // Straight into the tensor's own (CPU, contiguous) memory: one copy from the source, none through managed arrays.
            var raw = empty([n, ParameterCount]);
            _source.ReadRows(sourceRows.AsSpan(0, n), MemoryMarshal.Cast<byte, float>(raw.bytes));
            return raw;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(sourceRows);
        }
    }

    /// <summary>Normalized parameters of the given rows [n, P] (CPU): raw × the normalizer's scale.</summary>
    public Tensor Normalized(IReadOnlyList<long> rows)
    {
        using var raw = Raw(rows);
        return raw * _scale;
    }

    /// <summary>
    /// The mean normalized row over every row, read a chunk at a time. One chunk is averaged as one tensor (what an
    /// in-memory dataset gives); several are summed in float64 and divided once.
    /// </summary>
    public float[] MeanNormalized()
    {
        using var scope = NewDisposeScope();
        var chunk = (int)Math.Max(1, ValuesPerChunk / ParameterCount);
        if (Count <= chunk)
        {
            return Normalized(Enumerable.Range(0, Count).Select(r => (long)r).ToArray()).mean([0]).data<float>().ToArray();
        }

        var sum = zeros(ParameterCount, dtype: ScalarType.Float64);
        for (var start = 0; start < Count; start += chunk)
        {
            using var inner = NewDisposeScope();
            var part = Normalized(Enumerable.Range(start, Math.Min(chunk, Count - start)).Select(r => (long)r).ToArray());
            sum.add_(part.to(ScalarType.Float64).sum([0]));
        }

        return (sum / Count).to(ScalarType.Float32).data<float>().ToArray();
    }

    public void Dispose()
    {
        _scale.Dispose();
        Losses.Dispose();
    }

    /// <summary>
    /// Splits by run: the last <paramref name="heldOutFraction"/> of the runs (by run index, as G.pt's test split) are
    /// held out; both parts need at least one run. Both read from <paramref name="source"/>, which the caller keeps open.
    /// </summary>
    public static (CheckpointRuns Train, CheckpointRuns HeldOut) Split(ICheckpointSource source, ParameterNormalizer normalizer, bool perClassLosses, double heldOutFraction)
    {
        var runs = source.Columns.Run.Distinct().Order().ToArray();
        if (runs.Length < 2)
        {
            throw new InvalidDataException($"The checkpoint dataset has {runs.Length} run(s); training needs at least 2 (some are held out).");
        }

        var heldOut = Math.Clamp((int)Math.Ceiling(runs.Length * heldOutFraction), 1, runs.Length - 1);
        return (new CheckpointRuns(source, runs[..^heldOut], normalizer, perClassLosses),
            new CheckpointRuns(source, runs[^heldOut..], normalizer, perClassLosses));
    }

    /// <summary>An in-memory batch split the same way (tests, small tools).</summary>
    public static (CheckpointRuns Train, CheckpointRuns HeldOut) Split(CheckpointBatch batch, ParameterNormalizer normalizer, bool perClassLosses, double heldOutFraction) =>
        Split(new InMemoryCheckpointSource(batch), normalizer, perClassLosses, heldOutFraction);
}
