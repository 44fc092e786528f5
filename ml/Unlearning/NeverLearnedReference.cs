using Lethe.ML.Data;
using Lethe.ML.Storage;

namespace Lethe.ML.Unlearning;

/// <summary>Retrain-like checkpoints for one forget set: flat rows [Count × P], how many matched, and whether only the pivots were required accurate.</summary>
public sealed record RetrainLikeRows(float[] Rows, int Count, int Matches, bool PivotsOnly);

/// <summary>Where a DiHyFo request finds the retrain-like checkpoints of its forget set (<see cref="NeverLearnedReference"/>).</summary>
public interface IRetrainLikeCheckpoints
{
    /// <summary>Up to <see cref="NeverLearnedReference.MaxRows"/> retrain-like checkpoints for <paramref name="forget"/>; zero rows when the dataset has none.</summary>
    RetrainLikeRows For(IReadOnlyCollection<int> forget);
}

/// <summary>
/// Final checkpoints of the hypernetwork's dataset's runs that look like a model retrained without the forget set: the
/// last saved checkpoint of a run, with accuracy at most
/// <c>NeverLearnedAccuracy</c> on every forgotten class and at least <c>AccurateAccuracy</c> on every retained one
/// (the collection's class-weight-0 runs produce them). How such models behave on the forget classes of the validation
/// split — how uncertain they are — is what a sampled model should match: a net that never saw a class spreads its
/// probability over the others, while a net pushed away from a class answers confidently wrong, which is exactly what an
/// entropy membership-inference attack picks up. Only the dataset's parameters are used; no retrained model is needed.
/// </summary>
public sealed class NeverLearnedReference(CheckpointBatch batch, TaskPreset preset) : IRetrainLikeCheckpoints
{
    public const double NeverLearnedAccuracy = 0.01;
    public const double AccurateAccuracy = 0.8;
    public const int MaxRows = 256;

    /// <summary>The last saved checkpoint of every run: where a training run ends, as a retrained model does.</summary>
    private readonly int[] _finalRows = FinalRows(batch.Run, batch.Step);

    /// <summary>
    /// Up to <see cref="MaxRows"/> retrain-like checkpoints for <paramref name="forget"/> (evenly spread over the
    /// matches, so the choice is deterministic) as flat rows [count × P]; when no checkpoint keeps every retained class
    /// accurate, only the pivots are required to be accurate. Zero rows when the dataset has none.
    /// </summary>
    public RetrainLikeRows For(IReadOnlyCollection<int> forget)
    {
        var (chosen, matches, pivotsOnly) = Choose(_finalRows, row => batch.ClassAccOf(row).ToArray(), forget, preset);
        var rows = new float[chosen.Length * batch.ParameterCount];
        for (var i = 0; i < chosen.Length; i++)
        {
            batch.ParamsOf(chosen[i]).CopyTo(rows.AsSpan(i * batch.ParameterCount));
        }

        return new RetrainLikeRows(rows, chosen.Length, matches, pivotsOnly);
    }

    /// <summary>Row indices of the last saved checkpoint (highest step) of every run, in row order.</summary>
    public static int[] FinalRows(IReadOnlyList<int> run, IReadOnlyList<int> step) =>
        run.Select((r, row) => (r, row)).GroupBy(x => x.r).Select(g => g.MaxBy(x => step[x.row]).row).Order().ToArray();

    /// <summary>
    /// Which of <paramref name="finalRows"/> (row order) a request forgetting <paramref name="forget"/> uses: every
    /// match when there are at most <see cref="MaxRows"/>, else <see cref="MaxRows"/> evenly spread over them.
    /// </summary>
    public static (int[] Chosen, int Matches, bool PivotsOnly) Choose(IReadOnlyList<int> finalRows, Func<int, float[]> accuracyOf, IReadOnlyCollection<int> forget, TaskPreset preset)
    {
        var strict = Matching(finalRows, accuracyOf, forget, preset.Classes.Except(forget).ToArray());
        var pivotsOnly = strict.Count == 0;
        var matches = pivotsOnly ? Matching(finalRows, accuracyOf, forget, preset.Pivots) : strict;
        var take = Math.Min(MaxRows, matches.Count);
        var chosen = Enumerable.Range(0, take).Select(i => matches[(int)((long)i * matches.Count / take)]).ToArray();
        return (chosen, matches.Count, pivotsOnly);
    }

    private static List<int> Matching(IReadOnlyList<int> finalRows, Func<int, float[]> accuracyOf, IReadOnlyCollection<int> forget, IReadOnlyCollection<int> accurate)
    {
        var result = new List<int>();
        foreach (var row in finalRows)
        {
            var acc = accuracyOf(row);
            var ok = true;
            foreach (var c in forget)
            {
                ok &= acc[c] <= NeverLearnedAccuracy;
            }

            foreach (var c in accurate)
            {
                ok &= acc[c] >= AccurateAccuracy;
            }

            if (ok)
            {
                result.Add(row);
            }
        }

        return result;
    }
}
