namespace Lethe.ML.Unlearning;

/// <summary>
/// The HyperForget paper's best-of-N rule (Appendix A.1): the candidate with the lowest forget accuracy, and among those
/// the highest retain accuracy — both measured on the validation split. Ties keep the earliest candidate.
/// </summary>
public static class CandidateSelection
{
    public static int Best(IReadOnlyList<double> forgetAccuracy, IReadOnlyList<double> retainAccuracy)
    {
        if (forgetAccuracy.Count == 0 || forgetAccuracy.Count != retainAccuracy.Count)
        {
            throw new ArgumentException($"Selection needs one forget and one retain accuracy per candidate; got {forgetAccuracy.Count} and {retainAccuracy.Count}.");
        }

        var best = 0;
        for (var i = 1; i < forgetAccuracy.Count; i++)
        {
            if (forgetAccuracy[i] < forgetAccuracy[best]
                || (forgetAccuracy[i] == forgetAccuracy[best] && retainAccuracy[i] > retainAccuracy[best]))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// The paper's rule with a third criterion: among the candidates at the lowest forget accuracy whose retain accuracy
    /// is within <paramref name="retainTolerance"/> of the best of them, the one whose <paramref name="distance"/> (how far
    /// its behaviour on the forget samples is from models that never learned them) is smallest. Ties keep the earliest.
    /// </summary>
    public static int Best(IReadOnlyList<double> forgetAccuracy, IReadOnlyList<double> retainAccuracy, IReadOnlyList<double> distance, double retainTolerance)
    {
        var paper = Best(forgetAccuracy, retainAccuracy);
        if (distance.Count != forgetAccuracy.Count)
        {
            throw new ArgumentException($"Selection needs one distance per candidate; got {distance.Count} for {forgetAccuracy.Count} candidates.");
        }

        var best = paper;
        for (var i = 0; i < forgetAccuracy.Count; i++)
        {
            if (forgetAccuracy[i] == forgetAccuracy[paper]
                && retainAccuracy[i] >= retainAccuracy[paper] - retainTolerance
                && distance[i] < distance[best])
            {
                best = i;
            }
        }

        return best;
    }
}
