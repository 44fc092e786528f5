using Lethe.ML.Evaluation;

namespace Lethe.Unlearning.Tests;

public sealed class RetrainBarsTests
{
    private static ModelMetrics Model(double dr, double df, double mia, double? phi) =>
        new(dr, df, 0, 0, 0, mia, 0, [], null, null, null, phi, null, null);

    private static readonly Dictionary<int, ModelMetrics> Retrained = new()
    {
        [1] = Model(0.98, 0, 0.20, 1),
        [2] = Model(0.96, 0, 0.30, 1),
    };

    [Fact]
    public void Gaps_are_paired_by_seed_after_averaging_each_seeds_samples_and_the_missed_bars_are_named()
    {
        // Seed 1: samples average Dr .98 (gap 0), MIA .25 (gap +.05). Seed 2: Dr .90 (gap -.06), MIA .30 (gap 0).
        var measured = new[]
        {
            (1, Model(0.97, 0.00, 0.20, 0.96)),
            (1, Model(0.99, 0.01, 0.30, 0.98)),
            (2, Model(0.90, 0.00, 0.30, 0.90)),
        };

        var check = new RetrainBars().Judge("m", measured, Retrained);

        Assert.Equal(-0.03, check.RetainGap.Mean, 12);
        Assert.Equal(0.03, check.RetainGap.StandardError, 12); // sqrt(((.03)² + (.03)²) / 1 / 2)
        Assert.Equal(0.025, check.MiaGap.Mean, 12);
        Assert.Equal(0.025, check.MiaGap.StandardError, 12);
        Assert.Equal(0.0025, check.ForgetAccuracy.Mean, 12); // seed means .005 and 0
        Assert.Equal(0.935, check.Phi.Mean, 12); // seed means .97 and .90
        Assert.Equal(2, check.Phi.Seeds);
        Assert.Equal(["Dr", "phi"], check.Missed);
    }

    [Fact]
    public void A_model_like_retrain_misses_nothing_and_each_bar_is_missed_on_its_own()
    {
        var bars = new RetrainBars();
        (int, ModelMetrics)[] Both(double dr, double df, double mia, double phi) =>
            [(1, Model(0.98 + dr, df, 0.20 + mia, phi)), (2, Model(0.96 + dr, df, 0.30 + mia, phi))];

        Assert.Empty(bars.Judge("exact", Both(0, 0, 0, 1), Retrained).Missed);
        Assert.Empty(bars.Judge("close", Both(0.019, 0.0049, -0.049, 0.95), Retrained).Missed);
        Assert.Equal(["Df"], bars.Judge("x", Both(0, 0.005, 0, 1), Retrained).Missed);
        Assert.Equal(["Dr"], bars.Judge("x", Both(-0.021, 0, 0, 1), Retrained).Missed);
        Assert.Equal(["Dr"], bars.Judge("x", Both(0.021, 0, 0, 1), Retrained).Missed);
        Assert.Equal(["MIA"], bars.Judge("x", Both(0, 0, 0.051, 1), Retrained).Missed);
        Assert.Equal(["phi"], bars.Judge("x", Both(0, 0, 0, 0.949), Retrained).Missed);
    }

    [Fact]
    public void A_seed_without_its_retrained_model_or_a_model_without_phi_is_refused()
    {
        var bars = new RetrainBars();
        Assert.Contains("Seed 3", Assert.Throws<ArgumentException>(() => bars.Judge("m", [(3, Model(0.9, 0, 0.2, 1))], Retrained)).Message);
        Assert.Contains("no φ", Assert.Throws<ArgumentException>(() => bars.Judge("m", [(1, Model(0.9, 0, 0.2, null))], Retrained)).Message);
        Assert.Contains("No measured models", Assert.Throws<ArgumentException>(() => bars.Judge("m", [], Retrained)).Message);
    }
}
