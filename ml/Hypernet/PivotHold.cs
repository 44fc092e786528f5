namespace Lethe.ML.Hypernet;

/// <summary>
/// How a pivot class behaved while the non-pivot classes were swept: its observed losses against the bound of its
/// low-loss range in the training checkpoints (their 95th percentile).
/// </summary>
public sealed record PivotHold(int Class, double Bound, double Median, double P90, double FractionWithinBound);
