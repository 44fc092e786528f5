namespace Lethe.ML.Evaluation;

/// <summary>Membership-inference scores of one model, from per-sample features the evaluator computed.</summary>
public static class MembershipInference
{
    /// <summary>
    /// The HyperForget paper's MIA (Appendix A.4, Fig. 22, after Chundawat et al. and the SSD code): the softmax entropy
    /// of each sample is the only feature; a logistic regression learns retain samples (label 1) against test samples
    /// (label 0); the score is the mean predicted label on the forget samples. Retain samples are a random subsample of
    /// the size of the test set (drawn with <paramref name="seed"/>), which balances the two classes as the SSD code's
    /// <c>class_weight="balanced"</c> does. Lower = less evidence the forget data was trained on; compare to retrain.
    /// </summary>
    public static double EntropyScore(ReadOnlySpan<double> retainEntropy, ReadOnlySpan<double> testEntropy, ReadOnlySpan<double> forgetEntropy, int seed)
    {
        if (forgetEntropy.Length == 0)
        {
            return 0;
        }

        // Balanced both ways: a D_r smaller than T (a small training set) subsamples T instead.
        var sampled = BalancedSubsample(retainEntropy.Length, testEntropy.Length, seed);
        var testSampled = BalancedSubsample(testEntropy.Length, retainEntropy.Length, seed);
        var x = new double[sampled.Length + testSampled.Length];
        var y = new int[x.Length];
        for (var i = 0; i < sampled.Length; i++)
        {
            x[i] = retainEntropy[sampled[i]];
            y[i] = 1;
        }

        for (var i = 0; i < testSampled.Length; i++)
        {
            x[sampled.Length + i] = testEntropy[testSampled[i]];
        }

        var attack = LogisticRegression1D.Fit(x, y);
        var members = 0;
        foreach (var h in forgetEntropy)
        {
            members += attack.Predict(h);
        }

        return (double)members / forgetEntropy.Length;
    }

    /// <summary>
    /// MIA-efficacy (SalUn / "Model sparsity can simplify machine unlearning", the MIA InvWNN's table reports): the
    /// confidence <c>p_y</c> is the feature; the attack learns the first |T| retain samples (member) against the test
    /// samples (non-member), the first min(|D_r|, |T|) of each so the classes balance when D_r is the smaller; the score
    /// is the fraction of forget samples predicted non-member. Higher = more forgetting.
    /// The attack here is the best threshold on the feature, an approximation of SalUn's RBF SVC.
    /// </summary>
    public static double ConfidenceEfficacy(ReadOnlySpan<double> retainConfidence, ReadOnlySpan<double> testConfidence, ReadOnlySpan<double> forgetConfidence)
    {
        if (forgetConfidence.Length == 0)
        {
            return 0;
        }

        var shadow = Math.Min(retainConfidence.Length, testConfidence.Length);
        var x = new double[2 * shadow];
        var y = new int[x.Length];
        retainConfidence[..shadow].CopyTo(x);
        y.AsSpan(0, shadow).Fill(1);
        testConfidence[..shadow].CopyTo(x.AsSpan(shadow));
        var attack = ThresholdClassifier.Fit(x, y);
        var nonMembers = 0;
        foreach (var p in forgetConfidence)
        {
            nonMembers += 1 - attack.Predict(p);
        }

        return (double)nonMembers / forgetConfidence.Length;
    }

    /// <summary>Indices of <paramref name="size"/> distinct retain samples (all of them when there are fewer).</summary>
    public static int[] BalancedSubsample(int retainCount, int size, int seed)
    {
        var indices = Enumerable.Range(0, retainCount).ToArray();
        if (size >= retainCount)
        {
            return indices;
        }

        new Random(seed).Shuffle(indices);
        var chosen = indices[..size];
        Array.Sort(chosen);
        return chosen;
    }
}
