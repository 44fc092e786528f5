namespace Lethe.ML.Storage;

/// <summary>Accumulates checkpoint rows and builds a <see cref="CheckpointBatch"/> ordered by run, then step.</summary>
public sealed class CheckpointBatchBuilder(int parameterCount, int classCount)
{
    private readonly List<(int Run, int Step, int Epoch, float[] Params, float[] Loss, float[] Acc)> _rows = [];

    public int Count => _rows.Count;

    public void Add(int run, int step, int epoch, ReadOnlySpan<float> parameters, ReadOnlySpan<float> classLoss, ReadOnlySpan<float> classAcc) =>
        _rows.Add((run, step, epoch, parameters.ToArray(), classLoss.ToArray(), classAcc.ToArray()));

    public CheckpointBatch Build()
    {
        var rows = _rows.OrderBy(r => r.Run).ThenBy(r => r.Step).ToList();
        return new CheckpointBatch(
            rows.Count, parameterCount, classCount,
            rows.SelectMany(r => r.Params).ToArray(),
            rows.SelectMany(r => r.Loss).ToArray(),
            rows.SelectMany(r => r.Acc).ToArray(),
            rows.Select(r => r.Run).ToArray(),
            rows.Select(r => r.Step).ToArray(),
            rows.Select(r => r.Epoch).ToArray()).Validated();
    }
}
