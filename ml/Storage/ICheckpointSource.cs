namespace Lethe.ML.Storage;

/// <summary>
/// Checkpoints as training reads them: the small columns of every row (run, step, epoch, class losses and accuracies)
/// held once, and the parameters read on demand for the rows a minibatch needs. A source over memory-mapped shards
/// (<see cref="MappedShardSource"/>) keeps nothing proportional to checkpoints × parameters in managed memory; an
/// in-memory source (<see cref="InMemoryCheckpointSource"/>) serves small and synthetic datasets through the same calls.
/// Reads are thread-safe.
/// </summary>
public interface ICheckpointSource : IDisposable
{
    /// <summary><c>memory</c> or <c>mapped</c>, for benchmarks and metrics.</summary>
    string Kind { get; }

    int Count { get; }

    int ParameterCount { get; }

    int ClassCount { get; }

    /// <summary>Every row's small columns; <see cref="CheckpointBatch.ParameterCount"/> is 0 and the parameters empty.</summary>
    CheckpointBatch Columns { get; }

    /// <summary>Parameter rows read so far (each row of each <see cref="ReadRows"/> call counts once).</summary>
    long RowsRead { get; }

    /// <summary>Copies the parameters of <paramref name="rows"/> (in that order, repeats allowed) into <paramref name="destination"/> [rows × P].</summary>
    void ReadRows(ReadOnlySpan<int> rows, Span<float> destination);
}

public static class CheckpointSourceExtensions
{
    /// <summary>One row's parameters in a new array.</summary>
    public static float[] ReadRow(this ICheckpointSource source, int row)
    {
        var values = new float[source.ParameterCount];
        source.ReadRows([row], values);
        return values;
    }
}
