namespace Lethe.ML.Evaluation;

/// <summary>
/// Per-sample prediction, softmax entropy (the MIA feature of Fig. 22, natural log, 0·ln 0 = 0) and confidence
/// <c>p_y</c> (the MIA-efficacy feature) from row-major logits [N, m].
/// </summary>
public sealed record SampleStatistics(int[] Predicted, double[] Entropy, double[] Confidence)
{
    public static SampleStatistics Of(ReadOnlySpan<float> logits, int[] labels, int classes)
    {
        var n = labels.Length;
        if (logits.Length != n * classes)
        {
            throw new ArgumentException($"{logits.Length} logits do not form {n} rows of {classes} classes.");
        }

        var predicted = new int[n];
        var entropy = new double[n];
        var confidence = new double[n];
        for (var i = 0; i < n; i++)
        {
            var row = logits.Slice(i * classes, classes);
            var p = OutputAgreement.Softmax(row);
            var best = 0;
            var h = 0.0;
            for (var c = 0; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }

                if (p[c] > 0)
                {
                    h -= p[c] * Math.Log(p[c]);
                }
            }

            predicted[i] = best;
            entropy[i] = h;
            confidence[i] = p[labels[i]];
        }

        return new SampleStatistics(predicted, entropy, confidence);
    }
}
