using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.ML.InvWnn;

/// <summary>
/// Per-epoch weight histories of equally long runs, snapshot j = the state after j epochs (j = 0: the initialisation),
/// as a trajectory collection (<c>lethe collect --trajectories</c>) stores them: one shard row per run and epoch end.
/// </summary>
public sealed record InvWnnTrajectories(ParameterLayout Layout, IReadOnlyList<int> Runs, IReadOnlyList<float[][]> Snapshots)
{
    public int Length => Snapshots.Count == 0 ? 0 : Snapshots[0].Length;

    /// <summary>Windows with a target per run.</summary>
    public int WindowsPerRun => InvWnnWindow.Starts(Length).Count();

    /// <summary>
    /// The runs of a checkpoint batch, rows ordered by step; throws when the batch is not a trajectory collection (runs of
    /// different lengths) or too short for one window (K + U snapshots).
    /// </summary>
    public static InvWnnTrajectories From(CheckpointBatch batch, ParameterLayout layout)
    {
        if (batch.ParameterCount != layout.Count)
        {
            throw new InvalidDataException($"The checkpoints have {batch.ParameterCount} parameters; a {layout.Architecture} MLP has {layout.Count}.");
        }

        var runs = batch.ByRun().OrderBy(r => r.Key).ToList();
        var snapshots = runs.Select(r =>
        {
            var rows = Enumerable.Range(0, r.Value.Count).OrderBy(i => r.Value.Step[i]).ToArray();
            return rows.Select(i => r.Value.ParamsOf(i).ToArray()).ToArray();
        }).ToList();
        var lengths = snapshots.Select(s => s.Length).Distinct().ToArray();
        if (lengths.Length != 1)
        {
            throw new InvalidDataException($"Runs hold {string.Join(", ", lengths)} checkpoints; a trajectory collection ('lethe collect --trajectories') holds the same number per run.");
        }

        var result = new InvWnnTrajectories(layout, runs.Select(r => r.Key).ToArray(), snapshots);
        if (result.WindowsPerRun == 0)
        {
            throw new InvalidDataException($"Trajectories of {result.Length} snapshots are too short for InvWNN, which needs {InvWnnWindow.Snapshots + InvWnnWindow.Rewind} (collect with --epochs {InvWnnWindow.Snapshots + InvWnnWindow.Rewind - 1} or more).");
        }

        return result;
    }

    /// <summary>Whole runs held out for validation (never coordinates of a training run), at least one each side.</summary>
    public (InvWnnTrajectories Train, InvWnnTrajectories HeldOut) Split(double heldOutFraction, int seed)
    {
        if (Runs.Count < 2)
        {
            throw new InvalidDataException($"Holding out whole runs needs at least 2 trajectories; got {Runs.Count}.");
        }

        var order = Enumerable.Range(0, Runs.Count).ToArray();
        new Random(seed).Shuffle(order);
        var heldOut = Math.Clamp((int)Math.Round(Runs.Count * heldOutFraction), 1, Runs.Count - 1);
        InvWnnTrajectories Pick(IEnumerable<int> rows)
        {
            var r = rows.Order().ToArray();
            return this with { Runs = r.Select(i => Runs[i]).ToArray(), Snapshots = r.Select(i => Snapshots[i]).ToArray() };
        }

        return (Pick(order.Skip(heldOut)), Pick(order.Take(heldOut)));
    }
}
