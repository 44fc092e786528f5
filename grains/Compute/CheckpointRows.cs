using Lethe.ML.Storage;

namespace Lethe.Grains.Compute;

public static class CheckpointRows
{
    /// <summary>The given rows of a batch, in the given order.</summary>
    public static CheckpointBatch Select(CheckpointBatch all, int[] rows)
    {
        var p = all.ParameterCount;
        var m = all.ClassCount;
        var parameters = new float[rows.Length * p];
        var loss = new float[rows.Length * m];
        var acc = new float[rows.Length * m];
        for (var i = 0; i < rows.Length; i++)
        {
            all.ParamsOf(rows[i]).CopyTo(parameters.AsSpan(i * p, p));
            all.ClassLossOf(rows[i]).CopyTo(loss.AsSpan(i * m, m));
            all.ClassAccOf(rows[i]).CopyTo(acc.AsSpan(i * m, m));
        }

        return new CheckpointBatch(rows.Length, p, m, parameters, loss, acc,
            rows.Select(r => all.Run[r]).ToArray(), rows.Select(r => all.Step[r]).ToArray(), rows.Select(r => all.Epoch[r]).ToArray());
    }
}
