namespace Lethe.ML.Evaluation;

/// <summary>
/// The best single-threshold rule on one feature: "member" when <c>x ≥ t</c> (or <c>x ≤ t</c>), with <c>t</c> and the
/// direction chosen for the highest training accuracy. It stands in for SalUn's RBF <c>SVC(C=3, gamma=1)</c> in
/// MIA-efficacy: on a bounded 1-D feature that SVC's decision function is smooth and in practice one cut
/// (unlearning-reference.md §4.2) — so reports call the result a threshold approximation.
/// </summary>
public sealed record ThresholdClassifier(double Threshold, bool MemberAbove)
{
    public static ThresholdClassifier Fit(ReadOnlySpan<double> x, ReadOnlySpan<int> y)
    {
        if (x.Length != y.Length || x.Length == 0)
        {
            throw new ArgumentException($"A threshold classifier needs as many labels as features and at least one sample; got {x.Length} and {y.Length}.");
        }

        var order = Enumerable.Range(0, x.Length).ToArray();
        var values = x.ToArray();
        Array.Sort(values, order);
        var labels = y.ToArray();
        var positives = labels.Count(l => l == 1);
        var negatives = labels.Length - positives;
        // Sweep cuts between consecutive distinct values; "above" correct = positives above + negatives below.
        var bestCorrect = Math.Max(positives, negatives);
        var best = new ThresholdClassifier(positives >= negatives ? double.NegativeInfinity : double.PositiveInfinity, true);
        int positivesBelow = 0, negativesBelow = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (labels[order[i]] == 1)
            {
                positivesBelow++;
            }
            else
            {
                negativesBelow++;
            }

            if (i + 1 < values.Length && values[i + 1] == values[i])
            {
                continue;
            }

            var cut = i + 1 < values.Length ? (values[i] + values[i + 1]) / 2 : double.PositiveInfinity;
            var above = (positives - positivesBelow) + negativesBelow;
            var below = positivesBelow + (negatives - negativesBelow);
            if (above > bestCorrect)
            {
                bestCorrect = above;
                best = new ThresholdClassifier(cut, true);
            }

            if (below > bestCorrect)
            {
                bestCorrect = below;
                best = new ThresholdClassifier(cut, false);
            }
        }

        return best;
    }

    public int Predict(double x) => MemberAbove ? (x >= Threshold ? 1 : 0) : (x <= Threshold ? 1 : 0);
}
