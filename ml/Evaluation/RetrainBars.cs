namespace Lethe.ML.Evaluation;

/// <summary>
/// The quality bars an unlearned model is held to against the retrained one (issue 5, from the HyperForget paper's
/// tables): forget accuracy that prints as 0.00, retain accuracy within <see cref="RetainGap"/> of retrain's, MIA within
/// <see cref="MiaGap"/> of retrain's, and φ of at least <see cref="MinPhi"/>.
/// </summary>
public sealed record RetrainBars(double MaxForgetAccuracy = 0.005, double RetainGap = 0.02, double MiaGap = 0.05, double MinPhi = 0.95)
{
    /// <summary>A mean over seeds with its standard error (0 for a single seed).</summary>
    public sealed record Estimate(double Mean, double StandardError, int Seeds)
    {
        public static Estimate Of(IReadOnlyList<double> values)
        {
            if (values.Count == 0)
            {
                throw new ArgumentException("An estimate needs at least one value.");
            }

            var mean = values.Average();
            var se = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1) / values.Count);
            return new Estimate(mean, se, values.Count);
        }
    }

    /// <summary>
    /// One method on one forget set: its forget accuracy and φ, and its retain-accuracy and MIA gaps to retrain, each
    /// paired by seed (a seed's samples are averaged first, then retrain's figure for that seed is subtracted), so the
    /// seed-to-seed spread the two share cancels. <see cref="Missed"/> names each bar that the means miss.
    /// </summary>
    public sealed record Check(string Method, Estimate ForgetAccuracy, Estimate RetainGap, Estimate MiaGap, Estimate Phi, IReadOnlyList<string> Missed);

    /// <summary>
    /// Checks <paramref name="measured"/> (any number of models per seed) against <paramref name="retrained"/> (one per
    /// seed). Every seed of <paramref name="measured"/> needs its retrained model, and every model its φ.
    /// </summary>
    public Check Judge(string method, IEnumerable<(int Seed, ModelMetrics Metrics)> measured, IReadOnlyDictionary<int, ModelMetrics> retrained)
    {
        var bySeed = measured.GroupBy(r => r.Seed).OrderBy(g => g.Key).ToList();
        if (bySeed.Count == 0)
        {
            throw new ArgumentException($"No measured models of {method} to judge.");
        }

        var forget = new List<double>();
        var retainGap = new List<double>();
        var miaGap = new List<double>();
        var phi = new List<double>();
        foreach (var seed in bySeed)
        {
            if (!retrained.TryGetValue(seed.Key, out var reference))
            {
                throw new ArgumentException($"Seed {seed.Key} of {method} has no retrained model to be judged against.");
            }

            var models = seed.Select(r => r.Metrics).ToList();
            forget.Add(models.Average(m => m.AccuracyForgetTrain));
            retainGap.Add(models.Average(m => m.AccuracyRetainTrain) - reference.AccuracyRetainTrain);
            miaGap.Add(models.Average(m => m.Mia) - reference.Mia);
            phi.Add(models.Average(m => m.UnlearningScore ?? throw new ArgumentException($"A model of {method} (seed {seed.Key}) was measured without a retrained reference, so it has no φ.")));
        }

        var check = new Check(method, Estimate.Of(forget), Estimate.Of(retainGap), Estimate.Of(miaGap), Estimate.Of(phi), []);
        var missed = new List<string>();
        if (check.ForgetAccuracy.Mean >= MaxForgetAccuracy)
        {
            missed.Add("Df");
        }

        if (Math.Abs(check.RetainGap.Mean) > RetainGap)
        {
            missed.Add("Dr");
        }

        if (Math.Abs(check.MiaGap.Mean) > MiaGap)
        {
            missed.Add("MIA");
        }

        if (check.Phi.Mean < MinPhi)
        {
            missed.Add("phi");
        }

        return check with { Missed = missed };
    }
}
