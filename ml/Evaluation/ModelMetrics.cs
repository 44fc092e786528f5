namespace Lethe.ML.Evaluation;

/// <summary>
/// Every metric of unlearning-methods.md for one model. Accuracies are on D_r, D_f, T_r, T_f and T. The comparison
/// fields (overlap, φ, confusion) are against the retrained reference and are null when no reference was given.
/// </summary>
public sealed record ModelMetrics(
    double AccuracyRetainTrain,
    double AccuracyForgetTrain,
    double AccuracyRetainTest,
    double AccuracyForgetTest,
    double AccuracyTest,
    double Mia,
    double MiaEfficacy,
    double[] ClassAccuracyTest,
    double? OverlapRetainTrain,
    double? OverlapForgetTrain,
    double? OverlapTest,
    double? UnlearningScore,
    int[][]? ConfusionRetainTrain,
    int[][]? ConfusionTest)
{
    /// <summary>The figures the benches print and average, by their report names.</summary>
    public IReadOnlyList<(string Name, double? Value)> Figures() =>
    [
        ("acc_Dr", AccuracyRetainTrain),
        ("acc_Df", AccuracyForgetTrain),
        ("acc_Tr", AccuracyRetainTest),
        ("acc_Tf", AccuracyForgetTest),
        ("acc_T", AccuracyTest),
        ("mia", Mia),
        ("mia_efficacy", MiaEfficacy),
        ("overlap_Dr", OverlapRetainTrain),
        ("overlap_Df", OverlapForgetTrain),
        ("overlap_T", OverlapTest),
        ("phi", UnlearningScore),
    ];
}
