namespace Lethe.ML.Storage;

/// <summary>A <see cref="CheckpointBatch"/> already in memory, served as an <see cref="ICheckpointSource"/>.</summary>
public sealed class InMemoryCheckpointSource(CheckpointBatch batch) : ICheckpointSource
{
    private long _rowsRead;

    public string Kind => "memory";

    public int Count => batch.Count;

    public int ParameterCount => batch.ParameterCount;

    public int ClassCount => batch.ClassCount;

    public CheckpointBatch Columns { get; } = batch with { ParameterCount = 0, Params = [] };

    public long RowsRead => Interlocked.Read(ref _rowsRead);

    public void ReadRows(ReadOnlySpan<int> rows, Span<float> destination)
    {
        var p = batch.ParameterCount;
        for (var i = 0; i < rows.Length; i++)
        {
            batch.Params.AsSpan((int)((long)rows[i] * p), p).CopyTo(destination.Slice(i * p, p));
        }

        Interlocked.Add(ref _rowsRead, rows.Length);
    }

    public void Dispose()
    {
    }
}
