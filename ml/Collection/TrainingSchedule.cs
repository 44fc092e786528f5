namespace Lethe.ML.Collection;

/// <summary>
/// What every run of a job shares: the minibatch order of each epoch and which global steps are candidate checkpoints
/// (step 0 = the random initialisation and the final step always are; in a trajectory collection exactly the epoch ends are). Both come from the job seed, so a run's
/// trajectory does not depend on which other runs are trained beside it.
/// </summary>
public sealed class TrainingSchedule
{
    private readonly CollectionSpec _spec;
    private readonly int _trainCount;
    private readonly bool[] _candidates;

    public TrainingSchedule(CollectionSpec spec, int trainCount)
    {
        _spec = spec;
        _trainCount = trainCount;
        BatchSize = Math.Min(spec.BatchSize, trainCount);
        StepsPerEpoch = Math.Max(1, trainCount / BatchSize);
        TotalSteps = StepsPerEpoch * spec.Epochs;
        var rng = new Random(spec.Seed ^ 0x0ca4d1d);
        _candidates = new bool[TotalSteps + 1];
        for (var step = 0; step <= TotalSteps; step++)
        {
            _candidates[step] = spec.Trajectories
                ? step % StepsPerEpoch == 0
                : step == 0 || step == TotalSteps || rng.NextDouble() < spec.SelectionProbability;
        }
    }

    public int BatchSize { get; }

    public int StepsPerEpoch { get; }

    public int TotalSteps { get; }

    public int CandidateCount => _candidates.Count(c => c);

    /// <summary>Whether the state after <paramref name="globalStep"/> optimiser steps is evaluated.</summary>
    public bool IsCandidate(int globalStep) => _candidates[globalStep];

    /// <summary>Train-sample indices in the order epoch <paramref name="epoch"/> visits them.</summary>
    public long[] EpochOrder(int epoch)
    {
        var order = Enumerable.Range(0, _trainCount).Select(i => (long)i).ToArray();
        new Random(unchecked((_spec.Seed * 31) + epoch)).Shuffle(order);
        return order;
    }
}
