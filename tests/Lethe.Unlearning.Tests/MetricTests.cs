using Lethe.ML.Evaluation;

namespace Lethe.Unlearning.Tests;

public sealed class MetricTests
{
    [Fact]
    public void Logistic_regression_matches_the_hand_solved_symmetric_case()
    {
        // x = [-1, 1], y = [0, 1], objective ½w² + Σ log-loss: by symmetry b = 0 and the slope solves w = 2·σ(−w).
        var fit = LogisticRegression1D.Fit([-1.0, 1.0], [0, 1]);
        double lo = 0, hi = 2;
        for (var i = 0; i < 100; i++)
        {
            var mid = (lo + hi) / 2;
            if (mid - (2 / (1 + Math.Exp(mid))) < 0)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        Assert.Equal(lo, fit.Slope, 9);
        Assert.Equal(0, fit.Intercept, 9);
    }

    [Fact]
    public void Logistic_regression_stationary_point_has_zero_gradient()
    {
        double[] x = [0.1, 0.4, 0.35, 0.8, 1.2, 0.9, 1.5, 0.2];
        int[] y = [1, 1, 0, 1, 0, 0, 0, 1];
        var fit = LogisticRegression1D.Fit(x, y);
        var gw = fit.Slope + x.Select((v, i) => (fit.Probability(v) - y[i]) * v).Sum();
        var gb = x.Select((v, i) => fit.Probability(v) - y[i]).Sum();
        Assert.InRange(Math.Abs(gw), 0, 1e-8);
        Assert.InRange(Math.Abs(gb), 0, 1e-8);
        Assert.True(fit.Slope < 0, "low entropy is labelled member, so membership falls with x");
    }

    [Fact]
    public void Entropy_MIA_is_the_share_of_forget_samples_on_the_member_side_of_the_fitted_boundary()
    {
        // Retain samples are confident (low entropy), test samples are not; two forget samples look like retain.
        double[] retain = [0.05, 0.1, 0.15, 0.2, 0.1, 0.05, 0.12, 0.08];
        double[] test = [1.0, 1.1, 0.9, 1.2];
        double[] forget = [0.05, 0.15, 1.2, 1.05];
        Assert.Equal(0.5, MembershipInference.EntropyScore(retain, test, forget, seed: 3), 12);
    }

    [Fact]
    public void Entropy_MIA_subsamples_retain_to_the_test_size()
    {
        var chosen = MembershipInference.BalancedSubsample(retainCount: 10, size: 4, seed: 5);
        Assert.Equal(4, chosen.Distinct().Count());
        Assert.All(chosen, i => Assert.InRange(i, 0, 9));
        Assert.Equal(chosen, MembershipInference.BalancedSubsample(10, 4, 5));
    }

    [Fact]
    public void MIA_efficacy_is_the_share_of_forget_samples_predicted_non_member()
    {
        double[] retain = [0.95, 0.9, 0.99, 0.97, 0.3];
        double[] test = [0.3, 0.4, 0.2, 0.35];
        double[] forget = [0.95, 0.2, 0.1, 0.25];
        // Shadow members are the first |T| = 4 retain samples; the best cut lies between 0.4 and 0.9.
        Assert.Equal(0.75, MembershipInference.ConfidenceEfficacy(retain, test, forget), 12);
    }

    [Fact]
    public void Overlap_counts_samples_with_the_same_prediction() =>
        Assert.Equal(0.75, OutputAgreement.Overlap([0, 1, 2, 2], [0, 1, 1, 2]), 12);

    [Fact]
    public void Jensen_Shannon_of_disjoint_distributions_is_ln_two() =>
        Assert.Equal(Math.Log(2), OutputAgreement.JensenShannon([1.0, 0.0], [0.0, 1.0]), 12);

    [Fact]
    public void Unlearning_score_matches_the_hand_computed_Jensen_Shannon()
    {
        // Sample 1: identical logits. Sample 2: P = softmax(0, 0) = (½, ½), Q = softmax(ln 3, 0) = (¾, ¼), M = (5/8, 3/8):
        // KL(P‖M) = ½ln(4/5) + ½ln(4/3), KL(Q‖M) = ¾ln(6/5) + ¼ln(2/3), JSD = ½(KL(P‖M) + KL(Q‖M)).
        var klP = (0.5 * Math.Log(0.8)) + (0.5 * Math.Log(4.0 / 3));
        var klQ = (0.75 * Math.Log(1.2)) + (0.25 * Math.Log(2.0 / 3));
        var expected = 1 - ((0 + (0.5 * (klP + klQ))) / 2);
        float[] a = [2f, -1f, 0f, 0f];
        float[] b = [2f, -1f, (float)Math.Log(3), 0f];
        Assert.Equal(expected, OutputAgreement.UnlearningScore(a, b, classes: 2), 6);
        Assert.Equal(0.983089, expected, 5);
    }

    [Fact]
    public void Confusion_rows_are_reference_predictions()
    {
        var matrix = OutputAgreement.Confusion([0, 0, 1, 2], [0, 1, 1, 1], classes: 3);
        Assert.Equal([1, 1, 0], matrix[0]);
        Assert.Equal([0, 1, 0], matrix[1]);
        Assert.Equal([0, 1, 0], matrix[2]);
    }

    [Fact]
    public void Threshold_classifier_finds_the_separating_cut()
    {
        var attack = ThresholdClassifier.Fit([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]);
        Assert.True(attack.MemberAbove);
        Assert.InRange(attack.Threshold, 0.2, 0.8);
        Assert.Equal(1, attack.Predict(0.85));
        Assert.Equal(0, attack.Predict(0.15));
    }
}
