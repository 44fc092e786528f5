namespace Lethe.ML.Storage;

/// <summary>
/// Per-class test-loss statistics of a set of checkpoints (a shard's manifest carries them, so a reader can see the
/// loss range a shard covers without downloading it): mean, minimum and maximum over the rows, one value per class.
/// </summary>
public sealed record CheckpointStatistics(int Count, float[] MeanClassLoss, float[] MinClassLoss, float[] MaxClassLoss)
{
    /// <summary>
    /// The statistics of every row of <paramref name="batch"/>. The mean is summed in double and divided once, so it
    /// does not drift with the row count as a running float mean would. An empty batch has mean 0, minimum +inf and
    /// maximum -inf for every class (the identities of sum, min and max).
    /// </summary>
    public static CheckpointStatistics Of(CheckpointBatch batch)
    {
        var m = batch.ClassCount;
        var sum = new double[m];
        var min = Enumerable.Repeat(float.PositiveInfinity, m).ToArray();
        var max = Enumerable.Repeat(float.NegativeInfinity, m).ToArray();
        for (var row = 0; row < batch.Count; row++)
        {
            var loss = batch.ClassLossOf(row);
            for (var c = 0; c < m; c++)
            {
                sum[c] += loss[c];
                min[c] = Math.Min(min[c], loss[c]);
                max[c] = Math.Max(max[c], loss[c]);
            }
        }

        var mean = sum.Select(s => batch.Count == 0 ? 0f : (float)(s / batch.Count)).ToArray();
        return new CheckpointStatistics(batch.Count, mean, min, max);
    }
}
