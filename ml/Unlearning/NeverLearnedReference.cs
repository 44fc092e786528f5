using Lethe.ML.Data;
using Lethe.ML.Storage;

namespace Lethe.ML.Unlearning;

/// <summary>
/// Final checkpoints of the hypernetwork's dataset's runs that look like a model retrained without the forget set: the
/// last saved checkpoint of a run, with accuracy at most
/// <c>NeverLearnedAccuracy</c> on every forgotten class and at least <c>AccurateAccuracy</c> on every retained one
/// (the collection's class-weight-0 runs produce them). How such models behave on the forget classes of the validation
/// split — how uncertain they are — is what a sampled model should match: a net that never saw a class spreads its
/// probability over the others, while a net pushed away from a class answers confidently wrong, which is exactly what an
/// entropy membership-inference attack picks up. Only the dataset's parameters are used; no retrained model is needed.
/// </summary>
public sealed class NeverLearnedReference(CheckpointBatch batch, TaskPreset preset)
{
    public const double NeverLearnedAccuracy = 0.01;

    public const double AccurateAccuracy = 0.8;

    /// <summary>
    /// Up to <paramref name="max"/> retrain-like checkpoints for <paramref name="forget"/> (evenly spread over the
    /// matches, so the choice is deterministic) as flat rows [count × P]; when no checkpoint keeps every retained class
    /// accurate, only the pivots are required to be accurate. Zero rows when the dataset has none.
    /// </summary>
    public (float[] Rows, int Count, int Matches, bool PivotsOnly) For(IReadOnlyCollection<int> forget, int max = 256)
    {
        var strict = Matching(forget, preset.Classes.Except(forget).ToArray());
        var pivotsOnly = strict.Count == 0;
        var matches = pivotsOnly ? Matching(forget, preset.Pivots) : strict;
        var take = Math.Min(max, matches.Count);
        var rows = new float[take * batch.ParameterCount];
        for (var i = 0; i < take; i++)
        {
            batch.ParamsOf(matches[(int)((long)i * matches.Count / take)]).CopyTo(rows.AsSpan(i * batch.ParameterCount));
        }

        return (rows, take, matches.Count, pivotsOnly);
    }

    /// <summary>The last saved checkpoint of every run: where a training run ends, as a retrained model does.</summary>
    private readonly int[] _finalRows = batch.Run.Select((run, row) => (run, row)).GroupBy(x => x.run)
        .Select(g => g.MaxBy(x => batch.Step[x.row]).row).Order().ToArray();

    private List<int> Matching(IReadOnlyCollection<int> forget, IReadOnlyCollection<int> accurate)
    {
        var result = new List<int>();
        foreach (var row in _finalRows)
        {
            var acc = batch.ClassAccOf(row);
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
