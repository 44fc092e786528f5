namespace Lethe.ML.Hypernet;

/// <summary>
/// Draws training pairs (θ, θ*) of one run, θ strictly earlier (HyperForget §3; spec §5.2). Forgetting runs supply the
/// pairs whose losses rise. Targets are drawn with weight count^-α over joint bins of the balance classes' losses
/// (log-spaced), which flattens the target-loss distribution (HyperForget A.6: resampling to cover the loss range);
/// α = 0 draws every eligible target equally. The current checkpoint is uniform over the earlier ones of that run.
/// With a forgetting share f &gt; 0 (variants that see the current checkpoint), a fraction f of the pairs is instead drawn
/// uniformly from the run's forgetting transitions: the current checkpoint has a balance class learned (loss below
/// <see cref="LearnedLoss"/>) and the later target has it forgotten (above <see cref="ForgottenLoss"/>). That is the
/// step an unlearning request asks for, and uniform pairs rarely show it: most high-loss targets come from runs that
/// never learned the class, whose earlier checkpoints never learned it either.
/// With a twin share g &gt; 0, a fraction g is drawn uniformly from transitions to retrained twins: two runs that start
/// from the same initialisation (identical step-0 checkpoints; the later run is the twin, as
/// <c>CollectionSpec.RetrainedTwins</c> plans them), the current checkpoint from the first with a balance class learned,
/// the target from the twin at the same or a later step with that class forgotten. Such a target is the exact unlearning
/// of the current checkpoint, not a continuation of its run.
/// With a cross share h &gt; 0, a fraction h pairs a current checkpoint that has a balance class learned with a target
/// of another run that has that class forgotten and every pivot learned (any dataset has them: the runs that never
/// learned the class), the target resampled with the same count^-α weights. The target is then not an edit of the
/// current checkpoint but a net the class never reached, drawn as DiHyFo-2 draws its samples, so the conditional model
/// keeps their spread instead of one small step.
/// </summary>
public sealed class PairSampler
{
    private const int BinsPerClass = 8;

    /// <summary>A class counts as learned by a current checkpoint below this test loss (nat).</summary>
    public const float LearnedLoss = 0.4f;

    /// <summary>A class counts as forgotten by a target checkpoint above this test loss (nat).</summary>
    public const float ForgottenLoss = 1.0f;

    private readonly CheckpointRuns _data;
    private readonly bool _withCurrent;
    private readonly int[] _targets;
    private readonly int[] _runOf;
    private readonly int[] _positionInRun;
    private readonly double[] _cumulative;
    private readonly double _forgettingShare;
    private readonly (int Current, int Target)[] _forgetting = [];
    private readonly double _twinShare;
    private readonly (int Current, int Target)[] _twins = [];
    private readonly double _crossShare;
    private readonly (int[] Learned, int[] Forgotten, double[] Cumulative)[] _cross = [];

    public PairSampler(CheckpointRuns data, bool withCurrent, double balance, IReadOnlyList<int> balanceClasses, double forgettingShare = 0, double twinShare = 0, double crossShare = 0)
    {
        if (forgettingShare is < 0 or >= 1 || (forgettingShare > 0 && !withCurrent))
        {
            throw new ArgumentException($"The forgetting-pair share must be in [0, 1), and 0 for variants that do not see the current checkpoint; got {forgettingShare}.");
        }

        if (twinShare is < 0 or >= 1 || forgettingShare + twinShare >= 1 || (twinShare > 0 && !withCurrent))
        {
            throw new ArgumentException($"The twin-pair share must be in [0, 1) with the forgetting share + twin share < 1, and 0 for variants that do not see the current checkpoint; got {twinShare} (forgetting share {forgettingShare}).");
        }

        if (crossShare is < 0 or >= 1 || forgettingShare + twinShare + crossShare >= 1 || (crossShare > 0 && !withCurrent))
        {
            throw new ArgumentException($"The cross-pair share must be in [0, 1) with the forgetting + twin + cross shares < 1, and 0 for variants that do not see the current checkpoint; got {crossShare} (forgetting {forgettingShare}, twin {twinShare}).");
        }

        _data = data;
        _withCurrent = withCurrent;
        _runOf = new int[data.Count];
        _positionInRun = new int[data.Count];
        for (var r = 0; r < data.Runs.Count; r++)
        {
            for (var p = 0; p < data.Runs[r].Length; p++)
            {
                _runOf[data.Runs[r][p]] = r;
                _positionInRun[data.Runs[r][p]] = p;
            }
        }

        _targets = Enumerable.Range(0, data.Count).Where(row => !withCurrent || _positionInRun[row] > 0).ToArray();
        if (_targets.Length == 0)
        {
            throw new InvalidDataException(withCurrent
                ? "No run has two checkpoints, so there is no (current, target) pair to train on."
                : "The checkpoint dataset is empty.");
        }

        var maxLoss = _targets.Max(row => balanceClasses.Select(c => data.LossOf(row, c)).DefaultIfEmpty(0).Max());
        var binWidth = Math.Log(1 + Math.Max(maxLoss, 1e-3)) / BinsPerClass;
        long Key(int row) => balanceClasses.Aggregate(0L, (key, c) =>
            (key * (BinsPerClass + 1)) + Math.Min(BinsPerClass, (int)(Math.Log(1 + Math.Max(0, data.LossOf(row, c))) / binWidth)));

        var keys = _targets.Select(Key).ToArray();
        var counts = keys.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
        _cumulative = new double[_targets.Length];
        var weight = new double[data.Count];
        var total = 0.0;
        for (var i = 0; i < _targets.Length; i++)
        {
            weight[_targets[i]] = Math.Pow(counts[keys[i]], -balance);
            total += weight[_targets[i]];
            _cumulative[i] = total;
        }

        EligibleTargets = _targets.Length;
        if (forgettingShare > 0)
        {
            _forgetting = FindForgettingTransitions(data, balanceClasses);
            _forgettingShare = _forgetting.Length > 0 ? forgettingShare : 0;
        }

        if (twinShare > 0)
        {
            _twins = FindTwinTransitions(data, balanceClasses);
            if (_twins.Length == 0)
            {
                throw new InvalidDataException("Twin pairs need runs paired with retrained twins ('lethe collect --retrained-twins'): no two runs of these checkpoints start from the same initialisation with a class one learns and the other never does.");
            }

            _twinShare = twinShare;
        }

        if (crossShare > 0)
        {
            _cross = FindCrossCandidates(data, balanceClasses, weight);
            if (_cross.Length == 0)
            {
                throw new InvalidDataException("Cross pairs need a balance class that some checkpoint has learned and a checkpoint of another run has forgotten with every pivot learned; these checkpoints have none.");
            }

            _crossShare = crossShare;
        }
    }

    public int EligibleTargets { get; }

    /// <summary>(current, target) pairs of one run in which a balance class goes from learned to forgotten.</summary>
    public int ForgettingTransitions => _forgetting.Length;

    /// <summary>(current, target) pairs from a checkpoint to its run's retrained twin in which a balance class goes from learned to forgotten.</summary>
    public int TwinTransitions => _twins.Length;

    /// <summary>Balance classes cross pairs are drawn for: some checkpoint learned the class, another run's forgot it.</summary>
    public int CrossClasses => _cross.Length;

    /// <summary>
    /// Per balance class: the checkpoints that learned it, and the eligible targets that forgot it with every pivot
    /// learned, with the cumulative resampling weights of those targets (the same count^-α as every target's).
    /// </summary>
    private static (int[] Learned, int[] Forgotten, double[] Cumulative)[] FindCrossCandidates(CheckpointRuns data, IReadOnlyList<int> classes, double[] weight)
    {
        var pivots = Enumerable.Range(0, data.ClassCount).Except(classes).ToArray();
        var rows = Enumerable.Range(0, data.Count).ToArray();
        var cross = new List<(int[], int[], double[])>();
        foreach (var k in classes)
        {
            var learned = rows.Where(r => data.LossOf(r, k) < LearnedLoss).ToArray();
            var forgotten = rows.Where(r => weight[r] > 0 && data.LossOf(r, k) > ForgottenLoss && pivots.All(p => data.LossOf(r, p) < LearnedLoss)).ToArray();
            if (learned.Length > 0 && forgotten.Length > 0)
            {
                var total = 0.0;
                cross.Add((learned, forgotten, [.. forgotten.Select(r => total += weight[r])]));
            }
        }

        return [.. cross];
    }

    private static (int Current, int Target)[] FindForgettingTransitions(CheckpointRuns data, IReadOnlyList<int> classes)
    {
        var pairs = new List<(int, int)>();
        foreach (var run in data.Runs)
        {
            for (var t = 1; t < run.Length; t++)
            {
                for (var c = 0; c < t; c++)
                {
                    if (classes.Any(k => data.LossOf(run[c], k) < LearnedLoss && data.LossOf(run[t], k) > ForgottenLoss))
                    {
                        pairs.Add((run[c], run[t]));
                    }
                }
            }
        }

        return [.. pairs];
    }

    /// <summary>
    /// Runs (indices into <see cref="CheckpointRuns.Runs"/>) paired with their retrained twin: runs whose step-0
    /// checkpoints are identical, the earlier run first. Runs without a step-0 checkpoint are never paired.
    /// </summary>
    public static IReadOnlyList<(int Run, int Twin)> FindTwins(CheckpointRuns data)
    {
        var pairs = new List<(int, int)>();
        var byInitialisation = new Dictionary<int, List<int>>();
        for (var r = 0; r < data.Runs.Count; r++)
        {
            var first = data.Runs[r][0];
            if (data.Steps[first] != 0)
            {
                continue;
            }

            var initialisation = data.RawOf(first);
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(initialisation.AsSpan()));
            var key = hash.ToHashCode();
            if (!byInitialisation.TryGetValue(key, out var earlier))
            {
                byInitialisation[key] = earlier = [];
            }

            var run = earlier.FirstOrDefault(e => data.RawOf(data.Runs[e][0]).AsSpan().SequenceEqual(initialisation), -1);
            if (run >= 0)
            {
                pairs.Add((run, r));
            }
            else
            {
                earlier.Add(r);
            }
        }

        return pairs;
    }

    private static (int Current, int Target)[] FindTwinTransitions(CheckpointRuns data, IReadOnlyList<int> classes)
    {
        var pairs = new List<(int, int)>();
        foreach (var (run, twin) in FindTwins(data))
        {
            foreach (var c in data.Runs[run])
            {
                foreach (var t in data.Runs[twin])
                {
                    if (data.Steps[t] >= data.Steps[c] && classes.Any(k => data.LossOf(c, k) < LearnedLoss && data.LossOf(t, k) > ForgottenLoss))
                    {
                        pairs.Add((c, t));
                    }
                }
            }
        }

        return [.. pairs];
    }

    /// <summary>Row indices of targets and (when the variant uses them) current checkpoints.</summary>
    public (long[] Target, long[]? Current) Draw(int count, Random rng)
    {
        var target = new long[count];
        var current = _withCurrent ? new long[count] : null;
        for (var i = 0; i < count; i++)
        {
            if (_forgettingShare + _twinShare + _crossShare > 0)
            {
                var kind = rng.NextDouble();
                var pair = kind < _forgettingShare ? _forgetting[rng.Next(_forgetting.Length)]
                    : kind < _forgettingShare + _twinShare ? _twins[rng.Next(_twins.Length)]
                    : kind < _forgettingShare + _twinShare + _crossShare ? DrawCross(rng)
                    : ((int Current, int Target)?)null;
                if (pair is { } special)
                {
                    target[i] = special.Target;
                    current![i] = special.Current;
                    continue;
                }
            }

            var u = rng.NextDouble() * _cumulative[^1];
            var at = Array.BinarySearch(_cumulative, u);
            var row = _targets[Math.Min(_targets.Length - 1, at < 0 ? ~at : at)];
            target[i] = row;
            if (current is not null)
            {
                current[i] = _data.Runs[_runOf[row]][rng.Next(_positionInRun[row])];
            }
        }

        return (target, current);
    }

    /// <summary>A cross pair: a class, a checkpoint that learned it, a checkpoint of another run that forgot it (null after a few same-run draws).</summary>
    private (int Current, int Target)? DrawCross(Random rng)
    {
        var (learned, forgotten, cumulative) = _cross[rng.Next(_cross.Length)];
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var c = learned[rng.Next(learned.Length)];
            var at = Array.BinarySearch(cumulative, rng.NextDouble() * cumulative[^1]);
            var t = forgotten[Math.Min(forgotten.Length - 1, at < 0 ? ~at : at)];
            if (_runOf[c] != _runOf[t])
            {
                return (c, t);
            }
        }

        return null;
    }
}
