namespace Lethe.ML.Collection;

/// <summary>
/// Decides which evaluated candidates of one run are kept (HyperForget Appendix A.5, Fig. 25): the random-init checkpoint
/// always; otherwise, up to a maximum per run, a candidate is saved when every pivot class has test accuracy of at least
/// gamma and the loss-bin of its non-pivot class losses is not yet full. Random-save runs keep candidates at random
/// instead. Decisions depend only on the run's own losses and seed, never on which runs share a batch.
/// </summary>
public sealed class SavingPolicy
{
    private readonly CollectionSpec _spec;
    private readonly RunSpec _run;
    private readonly int[] _pivots;
    private readonly int[] _nonPivots;
    private readonly Random _rng;
    private readonly Dictionary<long, int> _bins = new();

    public SavingPolicy(CollectionSpec spec, RunSpec run)
    {
        _spec = spec;
        _run = run;
        _pivots = spec.Task.Pivots;
        _nonPivots = spec.Task.NonPivots;
        _rng = new Random(run.Seed ^ 0x5a7e);
    }

    public int Saved { get; private set; }

    public bool Decide(ReadOnlySpan<float> classLoss, ReadOnlySpan<float> classAcc, bool isInitialization)
    {
        if (_spec.Trajectories)
        {
            // A trajectory keeps every evaluated state (the epoch ends), whatever the caps of the heuristic.
            Saved++;
            return true;
        }

        if (Saved >= _spec.MaxCheckpointsPerRun)
        {
            return false;
        }

        bool keep;
        if (isInitialization)
        {
            keep = true;
        }
        else if (_run.RandomSaves)
        {
            keep = _rng.NextDouble() < _spec.RandomSaveProbability;
        }
        else
        {
            keep = PivotsAccurate(classAcc) && TakeBin(classLoss);
        }

        if (keep)
        {
            Saved++;
        }

        return keep;
    }

    private bool PivotsAccurate(ReadOnlySpan<float> classAcc)
    {
        foreach (var p in _pivots)
        {
            // Accuracies are stored as float: comparing with the float of gamma keeps an exact gamma (e.g. 0.7 = 7/10) accurate enough.
            if (classAcc[p] < (float)_spec.PivotAccuracy)
            {
                return false;
            }
        }

        return true;
    }

    private bool TakeBin(ReadOnlySpan<float> classLoss)
    {
        long key = 0;
        var levels = _spec.LossBinEdges.Length + 1;
        foreach (var c in _nonPivots)
        {
            var level = 0;
            while (level < _spec.LossBinEdges.Length && classLoss[c] >= _spec.LossBinEdges[level])
            {
                level++;
            }

            key = (key * levels) + level;
        }

        var count = _bins.GetValueOrDefault(key);
        if (count >= _spec.MaxPerBin)
        {
            return false;
        }

        _bins[key] = count + 1;
        return true;
    }
}
