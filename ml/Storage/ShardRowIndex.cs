namespace Lethe.ML.Storage;

/// <summary>
/// Where each checkpoint row's parameters sit among a dataset's shards: row r lives in the shard whose first row is the
/// largest start at or below r, at byte <c>ParamsOffset + local × P × 4</c> of that file. Offsets are 64-bit, so a
/// dataset may hold any number of parameter values (1.9M MNIST-4 checkpoints are 3.0e9 values; a .NET array ends at
/// about 2.1e9); rows are <see cref="int"/>, which bounds a dataset at 2^31 checkpoints.
/// </summary>
public sealed class ShardRowIndex
{
    private readonly int[] _starts;
    private readonly long[] _offsets;

    /// <param name="shards">Each shard's row count and the file offset of its <c>params</c> tensor, in dataset order.</param>
    /// <param name="parameterCount">Parameters per row (P).</param>
    public ShardRowIndex(IReadOnlyList<(int Rows, long ParamsOffset)> shards, int parameterCount)
    {
        if (parameterCount <= 0 || shards.Any(s => s.Rows < 0 || s.ParamsOffset < 0))
        {
            throw new ArgumentException($"A shard index needs P > 0 (got {parameterCount}) and non-negative row counts and offsets.");
        }

        ParameterCount = parameterCount;
        _starts = new int[shards.Count];
        _offsets = new long[shards.Count];
        long total = 0;
        for (var i = 0; i < shards.Count; i++)
        {
            _starts[i] = (int)total;
            _offsets[i] = shards[i].ParamsOffset;
            total += shards[i].Rows;
            if (total > int.MaxValue)
            {
                throw new InvalidDataException($"The dataset holds more than {int.MaxValue} checkpoints; one source indexes at most that many.");
            }
        }

        Count = (int)total;
    }

    public int Count { get; }

    public int ParameterCount { get; }

    public int ShardCount => _starts.Length;

    /// <summary>Parameter values in the whole dataset (may exceed 2^31).</summary>
    public long ParameterValues => (long)Count * ParameterCount;

    /// <summary>The shard holding <paramref name="row"/> and the byte offset of its parameters in that shard's file.</summary>
    public (int Shard, long ByteOffset) Locate(int row)
    {
        if ((uint)row >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"The dataset has {Count} rows.");
        }

        var at = Array.BinarySearch(_starts, row);
        var shard = at >= 0 ? LastStartingAt(at) : ~at - 1;
        return (shard, _offsets[shard] + ((long)(row - _starts[shard]) * ParameterCount * sizeof(float)));
    }

    // Empty shards share their start with the next one: the row belongs to the last shard starting there.
    private int LastStartingAt(int at)
    {
        while (at + 1 < _starts.Length && _starts[at + 1] == _starts[at])
        {
            at++;
        }

        return at;
    }
}
