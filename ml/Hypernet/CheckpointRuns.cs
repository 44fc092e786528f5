using Lethe.ML.Storage;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// Checkpoints grouped by run, each run in chronological order (sorted by step explicitly: spec §5.2 warns that
/// storage order is not time order), with normalized parameters and the loss conditioning of every row.
/// </summary>
public sealed class CheckpointRuns
{
    private CheckpointRuns(CheckpointBatch batch, int[] runIds, ParameterNormalizer normalizer, bool perClassLosses)
    {
        var runIdSet = runIds.ToHashSet();
        var rows = Enumerable.Range(0, batch.Count).Where(r => runIdSet.Contains(batch.Run[r])).ToArray();
        Count = rows.Length;
        ClassCount = batch.ClassCount;
        RunIds = runIds;
        var position = rows.Select((row, i) => (row, i)).ToDictionary(p => p.row, p => p.i);
        Runs = rows.GroupBy(r => batch.Run[r]).OrderBy(g => g.Key)
            .Select(g => g.OrderBy(r => batch.Step[r]).ThenBy(r => batch.Epoch[r]).Select(r => position[r]).ToArray()).ToList();
        Steps = rows.Select(r => batch.Step[r]).ToArray();
        RawParams = new float[(long)Count * batch.ParameterCount];
        ClassLoss = new float[Count * batch.ClassCount];
        for (var i = 0; i < rows.Length; i++)
        {
            batch.ParamsOf(rows[i]).CopyTo(RawParams.AsSpan(i * batch.ParameterCount, batch.ParameterCount));
            batch.ClassLossOf(rows[i]).CopyTo(ClassLoss.AsSpan(i * batch.ClassCount, batch.ClassCount));
        }

        using var scope = NewDisposeScope();
        Params = normalizer.Normalize(tensor(RawParams, [Count, batch.ParameterCount])).MoveToOuterDisposeScope();
        var loss = tensor(ClassLoss, [Count, batch.ClassCount]);
        Losses = (perClassLosses ? loss : loss.mean([1], keepdim: true)).MoveToOuterDisposeScope();
    }

    public int Count { get; }

    public int ClassCount { get; }

    public int[] RunIds { get; }

    /// <summary>Row indices of each run, oldest first.</summary>
    public IReadOnlyList<int[]> Runs { get; }

    /// <summary>The global training step of each row.</summary>
    public int[] Steps { get; }

    public float[] RawParams { get; }

    /// <summary>Per-class test losses [Count × classes], raw.</summary>
    public float[] ClassLoss { get; }

    /// <summary>Normalized parameters [Count, P] (CPU).</summary>
    public Tensor Params { get; }

    /// <summary>The conditioning losses [Count, w]: per-class, or their mean for G.pt's one global loss.</summary>
    public Tensor Losses { get; }

    public float LossOf(int row, int cls) => ClassLoss[(row * ClassCount) + cls];

    /// <summary>Raw parameters of one row.</summary>
    public ReadOnlySpan<float> RawParamsOf(int row)
    {
        var width = RawParams.Length / Math.Max(1, Count);
        return RawParams.AsSpan(row * width, width);
    }

    /// <summary>
    /// Splits by run: the last <paramref name="heldOutFraction"/> of the runs (by run index, as G.pt's test split) are
    /// held out; both parts need at least one run.
    /// </summary>
    public static (CheckpointRuns Train, CheckpointRuns HeldOut) Split(CheckpointBatch batch, ParameterNormalizer normalizer, bool perClassLosses, double heldOutFraction)
    {
        var runs = batch.Run.Distinct().Order().ToArray();
        if (runs.Length < 2)
        {
            throw new InvalidDataException($"The checkpoint dataset has {runs.Length} run(s); training needs at least 2 (some are held out).");
        }

        var heldOut = Math.Clamp((int)Math.Ceiling(runs.Length * heldOutFraction), 1, runs.Length - 1);
        return (new CheckpointRuns(batch, runs[..^heldOut], normalizer, perClassLosses),
            new CheckpointRuns(batch, runs[^heldOut..], normalizer, perClassLosses));
    }
}
