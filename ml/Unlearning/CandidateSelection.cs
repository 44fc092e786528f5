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
}
