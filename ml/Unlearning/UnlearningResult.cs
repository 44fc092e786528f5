namespace Lethe.ML.Unlearning;

/// <summary>
/// The unlearned parameters, the data the method actually touched, and what happened on the way (epochs or steps run,
/// why it stopped, prompts, candidates — anything a reader needs to reproduce or judge the run).
/// </summary>
public sealed record UnlearningResult(float[] Parameters, DataAccess Touched, IReadOnlyDictionary<string, object> Details)
{
    /// <summary>
    /// Every model a best-of-N method chose among (its last round's), in sampling order, with what the choice read; null
    /// for other methods. Kept out of reports (a report names the choice); `lethe bench unlearn --candidates-out` writes them.
    /// </summary>
    public IReadOnlyList<SampledCandidate>? Candidates { get; init; }
}

/// <summary>One candidate of a best-of-N choice and the validation figures it was judged by (divergence: median JSD to the never-learned nets, when there were any).</summary>
public sealed record SampledCandidate(float[] Parameters, double ValidationForgetAccuracy, double ValidationRetainAccuracy, double? DivergenceToNeverLearned);
