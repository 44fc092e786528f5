namespace Lethe.ML.Storage;

/// <summary>
/// Checkpoints as plain arrays, row i of each array belonging to checkpoint i: flat parameters in
/// <see cref="Nets.ParameterLayout"/> order, per-class test loss and accuracy (the DiHyFo conditioning), and which run,
/// step and epoch produced it. This is what a shard file holds.
/// </summary>
public sealed record CheckpointBatch(
    int Count,
    int ParameterCount,
    int ClassCount,
    float[] Params,
    float[] ClassLoss,
    float[] ClassAcc,
    int[] Run,
    int[] Step,
    int[] Epoch)
{
    public static CheckpointBatch Empty(int parameterCount, int classCount) =>
        new(0, parameterCount, classCount, [], [], [], [], [], []);

    public ReadOnlySpan<float> ParamsOf(int row) => Params.AsSpan(row * ParameterCount, ParameterCount);

    public ReadOnlySpan<float> ClassLossOf(int row) => ClassLoss.AsSpan(row * ClassCount, ClassCount);

    public ReadOnlySpan<float> ClassAccOf(int row) => ClassAcc.AsSpan(row * ClassCount, ClassCount);

    /// <summary>The given rows, in the given order (a row may repeat).</summary>
    public CheckpointBatch SelectRows(IReadOnlyList<int> rows)
    {
        var p = ParameterCount;
        var m = ClassCount;
        var parameters = new float[rows.Count * p];
        var loss = new float[rows.Count * m];
        var acc = new float[rows.Count * m];
        for (var i = 0; i < rows.Count; i++)
        {
            ParamsOf(rows[i]).CopyTo(parameters.AsSpan(i * p, p));
            ClassLossOf(rows[i]).CopyTo(loss.AsSpan(i * m, m));
            ClassAccOf(rows[i]).CopyTo(acc.AsSpan(i * m, m));
        }

        return new CheckpointBatch(rows.Count, p, m, parameters, loss, acc,
            rows.Select(r => Run[r]).ToArray(), rows.Select(r => Step[r]).ToArray(), rows.Select(r => Epoch[r]).ToArray());
    }

    /// <summary>
    /// The rows ordered by (run, step), the order one collector pass and <see cref="CheckpointBatchBuilder"/> produce;
    /// a shard assembled from runs trained apart is then byte-identical to one trained in a single pass.
    /// </summary>
    public CheckpointBatch InRunStepOrder() =>
        SelectRows(Enumerable.Range(0, Count).OrderBy(i => Run[i]).ThenBy(i => Step[i]).ToArray());

    /// <summary>The rows of each run (in storage order), keyed by run; a run without rows has no entry.</summary>
    public IReadOnlyDictionary<int, CheckpointBatch> ByRun() =>
        Enumerable.Range(0, Count).GroupBy(i => Run[i]).ToDictionary(g => g.Key, g => SelectRows(g.ToArray()));

    /// <summary>Throws when the arrays do not match <see cref="Count"/> and the widths.</summary>
    public CheckpointBatch Validated()
    {
        if (Params.Length != Count * ParameterCount || ClassLoss.Length != Count * ClassCount || ClassAcc.Length != Count * ClassCount
            || Run.Length != Count || Step.Length != Count || Epoch.Length != Count)
        {
            throw new InvalidDataException(
                $"Checkpoint arrays disagree with {Count} rows of {ParameterCount} parameters and {ClassCount} classes.");
        }

        return this;
    }

    /// <summary>Rows of several batches in order.</summary>
    public static CheckpointBatch Concat(IReadOnlyList<CheckpointBatch> parts)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("Nothing to concatenate.");
        }

        var p = parts[0].ParameterCount;
        var m = parts[0].ClassCount;
        if (parts.Any(b => b.ParameterCount != p || b.ClassCount != m))
        {
            throw new InvalidDataException("Checkpoint batches of different layouts cannot be concatenated.");
        }

        return new CheckpointBatch(
            parts.Sum(b => b.Count), p, m,
            parts.SelectMany(b => b.Params).ToArray(),
            parts.SelectMany(b => b.ClassLoss).ToArray(),
            parts.SelectMany(b => b.ClassAcc).ToArray(),
            parts.SelectMany(b => b.Run).ToArray(),
            parts.SelectMany(b => b.Step).ToArray(),
            parts.SelectMany(b => b.Epoch).ToArray()).Validated();
    }
}
