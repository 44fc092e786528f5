namespace Lethe.ML.Unlearning;

/// <summary>
/// Progress of a loop of minibatch steps, reported once per epoch (every <paramref name="stepsPerEpoch"/> steps) and
/// at its end: cheap however short the steps are. The fraction is the share of <paramref name="totalSteps"/> done.
/// </summary>
public sealed class EpochProgress(IProgress<UnlearningProgress>? progress, string stage, int stepsPerEpoch, int totalSteps)
{
    private readonly int _stepsPerEpoch = Math.Max(1, stepsPerEpoch);
    private readonly int _totalSteps = Math.Max(1, totalSteps);

    /// <summary>Minibatches in one epoch over <paramref name="count"/> samples (the last may be smaller).</summary>
    public static int BatchesPerEpoch(int count, int batchSize) => (count + Math.Max(1, batchSize) - 1) / Math.Max(1, batchSize);

    public void Started() => progress?.Report(new UnlearningProgress(stage, 0));

    /// <summary>Called after step <paramref name="step"/> (1-based); reports when it ends an epoch.</summary>
    public void Stepped(int step)
    {
        if (step % _stepsPerEpoch == 0 && step < _totalSteps)
        {
            progress?.Report(new UnlearningProgress(stage, (double)step / _totalSteps));
        }
    }

    /// <summary>The loop ended (steps ran out, or a stopping rule fired early).</summary>
    public void Finished() => progress?.Report(new UnlearningProgress(stage, 1));
}
