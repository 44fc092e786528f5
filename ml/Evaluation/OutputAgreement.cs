namespace Lethe.ML.Evaluation;

/// <summary>How alike two models behave on the same inputs (HyperForget paper, Tables 2 and 4; Appendix A.4).</summary>
public static class OutputAgreement
{
    /// <summary>Outputs overlap: the fraction of samples on which both models predict the same class.</summary>
    public static double Overlap(ReadOnlySpan<int> predictedA, ReadOnlySpan<int> predictedB)
    {
        if (predictedA.Length != predictedB.Length)
        {
            throw new ArgumentException($"Predictions of different lengths: {predictedA.Length} and {predictedB.Length}.");
        }

        if (predictedA.Length == 0)
        {
            return 0;
        }

        var same = 0;
        for (var i = 0; i < predictedA.Length; i++)
        {
            same += predictedA[i] == predictedB[i] ? 1 : 0;
        }

        return (double)same / predictedA.Length;
    }

    /// <summary>
    /// Jensen-Shannon divergence of two distributions with the natural log (Eq. 8):
    /// <c>½·KL(P‖M) + ½·KL(Q‖M)</c>, <c>M = (P + Q)/2</c>, with 0·ln 0 = 0. Bounded by ln 2.
    /// </summary>
    public static double JensenShannon(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        if (p.Length != q.Length)
        {
            throw new ArgumentException($"Distributions of different sizes: {p.Length} and {q.Length}.");
        }

        var divergence = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            var m = (p[c] + q[c]) / 2;
            if (p[c] > 0)
            {
                divergence += 0.5 * p[c] * Math.Log(p[c] / m);
            }

            if (q[c] > 0)
            {
                divergence += 0.5 * q[c] * Math.Log(q[c] / m);
            }
        }

        return divergence;
    }

    /// <summary>Softmax of one row of logits, in double precision.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var z in logits)
        {
            max = Math.Max(max, z);
        }

        var p = new double[logits.Length];
        var sum = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            p[c] = Math.Exp(logits[c] - max);
            sum += p[c];
        }

        for (var c = 0; c < p.Length; c++)
        {
            p[c] /= sum;
        }

        return p;
    }

    /// <summary>
    /// Unlearning score φ = 1 − JSD(softmax(z₁) ‖ softmax(z₂)) (Eq. 9), averaged over samples. Logits are row-major
    /// [samples, classes]. 1 = identical behaviour.
    /// </summary>
    public static double UnlearningScore(ReadOnlySpan<float> logitsA, ReadOnlySpan<float> logitsB, int classes)
    {
        if (logitsA.Length != logitsB.Length || classes <= 0 || logitsA.Length % classes != 0)
        {
            throw new ArgumentException($"Logits of {logitsA.Length} and {logitsB.Length} values do not form rows of {classes} classes.");
        }

        var samples = logitsA.Length / classes;
        if (samples == 0)
        {
            return 1;
        }

        var total = 0.0;
        for (var i = 0; i < samples; i++)
        {
            total += JensenShannon(Softmax(logitsA.Slice(i * classes, classes)), Softmax(logitsB.Slice(i * classes, classes)));
        }

        return 1 - (total / samples);
    }

    /// <summary>
    /// Confusion of two models' predictions as in the paper's Fig. 5-8: entry [r][u] counts samples the reference
    /// (retrained) model assigns to class r and the other model to class u.
    /// </summary>
    public static int[][] Confusion(ReadOnlySpan<int> reference, ReadOnlySpan<int> other, int classes)
    {
        var matrix = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        for (var i = 0; i < reference.Length; i++)
        {
            matrix[reference[i]][other[i]]++;
        }

        return matrix;
    }
}
