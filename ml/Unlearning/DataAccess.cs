namespace Lethe.ML.Unlearning;

/// <summary>
/// The data an unlearning method touches — reports record it because unlearning code bases often use retain data
/// silently (unlearning-reference.md §6.4). <see cref="Full"/> = D_r ∪ D_f.
/// </summary>
[Flags]
public enum DataAccess
{
    None = 0,

    /// <summary>D_f.</summary>
    Forget = 1,

    /// <summary>D_r.</summary>
    Retain = 2,

    /// <summary>D = D_r ∪ D_f.</summary>
    Full = Forget | Retain,

    /// <summary>The validation split carved from D (stopping rules, best-of-N, hyper-parameter choice).</summary>
    Validation = 4,

    /// <summary>Statistics of the checkpoint dataset (DiHyFo's target-loss prompts).</summary>
    CheckpointStatistics = 8,
}
