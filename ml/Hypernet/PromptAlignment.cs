using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// Measures how well sampled nets reach prompted losses (HyperForget §4-5, A.4; G.pt one_step_prompting). Per class c,
/// 20 regularly spaced prompts cover c's loss range in the training checkpoints (5th to 95th percentile: inside the
/// data's support). The other classes are prompted at what the data pairs with that value: their median loss over the
/// 5% of training checkpoints whose class-c loss is nearest the prompt, so the whole prompt stays a combination that
/// 784-h-m nets actually reach (two hidden units cannot hold every class at its own best loss at once). Each prompt is
/// sampled once per evaluation net: the first (random-initialisation) checkpoint of held-out runs for DiHyFo-1 and G.pt,
/// an independent noise seed for DiHyFo-2. Observed losses are measured on the test split.
/// </summary>
public sealed class PromptAlignment
{
    private readonly LabeledImages _test;
    private readonly int[] _pivots;
    private readonly CheckpointRuns _heldOut;
    private readonly int _classes;
    private readonly float[] _low;
    private readonly float[] _high;
    private readonly float[] _retain;
    private readonly double[] _reference;
    private readonly double[] _pivotBound;
    private readonly CheckpointRuns _train;
    private readonly Dictionary<(int Class, float Prompt), float[]> _companions = [];

    public PromptAlignment(CheckpointRuns train, CheckpointRuns heldOut, LabeledImages test, IReadOnlyList<int> pivots)
    {
        _test = test;
        _pivots = pivots.ToArray();
        _heldOut = heldOut;
        _train = train;
        _classes = train.ClassCount;
        var perClass = Enumerable.Range(0, _classes).Select(c => Enumerable.Range(0, train.Count).Select(r => (double)train.LossOf(r, c)).Order().ToArray()).ToArray();
        _low = perClass.Select(v => (float)Quantile(v, 0.05)).ToArray();
        _high = perClass.Select(v => (float)Quantile(v, 0.95)).ToArray();
        _retain = perClass.Select(v => (float)Quantile(v, 0.10)).ToArray();
        _reference = perClass.Select(v => Quantile(v, 0.5)).ToArray();
        _pivotBound = perClass.Select(v => Quantile(v, 0.95)).ToArray();
        var global = Enumerable.Range(0, train.Count).Select(r => Enumerable.Range(0, _classes).Average(c => (double)train.LossOf(r, c))).Order().ToArray();
        GlobalRange = ((float)Quantile(global, 0.05), (float)Quantile(global, 0.95), Quantile(global, 0.5));
    }

    /// <summary>Prompt range and median of the global (mean) loss, which G.pt is swept over.</summary>
    public (float Low, float High, double Reference) GlobalRange { get; }

    /// <summary>The retained level each class is prompted at when it is not the swept class.</summary>
    public IReadOnlyList<float> RetainLevels => _retain;

    public AlignmentReport Evaluate(HypernetModel model, int step, int nets, int prompts, string sampler, int steps, long seed, double? guidance = null)
    {
        var perClass = model.Variant.PerClassLosses;
        var swept = perClass ? Enumerable.Range(0, _classes).ToArray() : [-1];
        var netRows = model.Variant.ConditionsOnCurrent
            ? Enumerable.Range(0, nets).Select(i => _heldOut.Runs[(int)((long)i * _heldOut.Runs.Count / nets) % _heldOut.Runs.Count][0]).ToArray()
            : new int[nets];
        var width = model.LossWidth;
        var count = swept.Length * nets * prompts;
        var targets = new float[count * width];
        var promptOf = new float[count];
        var currentRows = new long[count];
        var i = 0;
        foreach (var c in swept)
        {
            var (low, high) = c < 0 ? (GlobalRange.Low, GlobalRange.High) : (_low[c], _high[c]);
            for (var n = 0; n < nets; n++)
            {
                for (var j = 0; j < prompts; j++)
                {
                    var prompt = low + ((high - low) * j / (prompts - 1));
                    if (c < 0)
                    {
                        targets[i] = prompt;
                    }
                    else
                    {
                        Companions(c, prompt).CopyTo(targets, i * width);
                    }

                    promptOf[i] = prompt;
                    currentRows[i] = netRows[n];
                    i++;
                }
            }
        }

        using var scope = NewDisposeScope();
        var target = tensor(targets, [count, width]);
        Tensor? current = null, currentLoss = null;
        if (model.Variant.ConditionsOnCurrent)
        {
            current = _heldOut.Raw(currentRows);
            currentLoss = _heldOut.Losses.index_select(0, tensor(currentRows));
        }

        var samples = model.Sample(target, current, currentLoss, seed, steps, sampler, guidance);
        var observed = ObservedLosses(model.Layout, samples);   // [count × classes]
        var results = new List<ClassAlignment>();
        var pivotLosses = _pivots.ToDictionary(p => p, _ => new List<double>());
        for (var s = 0; s < swept.Length; s++)
        {
            var c = swept[s];
            var t = new float[nets * prompts];
            var o = new float[nets * prompts];
            for (var k = 0; k < nets * prompts; k++)
            {
                var row = (s * nets * prompts) + k;
                t[k] = promptOf[row];
                o[k] = c < 0 ? (float)Enumerable.Range(0, _classes).Average(m => observed[(row * _classes) + m]) : observed[(row * _classes) + c];
                if (c >= 0 && !_pivots.Contains(c))
                {
                    foreach (var p in _pivots)
                    {
                        pivotLosses[p].Add(observed[(row * _classes) + p]);
                    }
                }
            }

            var (low, high, reference) = c < 0 ? GlobalRange : (_low[c], _high[c], _reference[c]);
            var sweep = new ClassAlignment(c, c >= 0 && _pivots.Contains(c), 0, Pearson(t, o), low, high, reference, nets, t, o);
            results.Add(sweep with { Alignment = sweep.PerNetAlignment.Average() });
        }

        var holds = pivotLosses.Where(p => p.Value.Count > 0).Select(p =>
        {
            var sorted = p.Value.Order().ToArray();
            return new PivotHold(p.Key, _pivotBound[p.Key], Quantile(sorted, 0.5), Quantile(sorted, 0.9), sorted.Count(v => v <= _pivotBound[p.Key]) / (double)sorted.Length);
        }).ToList();
        return new AlignmentReport(step, sampler, steps, results, holds, model.GuidanceScale(guidance));
    }

    /// <summary>
    /// A whole target vector for prompting class <paramref name="c"/> at <paramref name="prompt"/>: the other classes at
    /// their median over the 5% of training checkpoints (at least 20) whose class-c loss is nearest the prompt.
    /// </summary>
    public float[] Companions(int c, float prompt)
    {
        lock (_companions)
        {
            if (_companions.TryGetValue((c, prompt), out var cached))
            {
                return cached;
            }
        }

        // The k rows nearest the prompt, ties to the lower row (what a stable sort by distance would take): every row
        // below the k-th smallest distance, then rows at exactly that distance in row order. One float sort, not a
        // LINQ sort per call, so a sweep over millions of checkpoints takes seconds.
        var k = Math.Min(_train.Count, Math.Max(20, _train.Count / 20));
        var distance = new float[_train.Count];
        for (var r = 0; r < distance.Length; r++)
        {
            distance[r] = Math.Abs(_train.LossOf(r, c) - prompt);
        }

        var sorted = (float[])distance.Clone();
        Array.Sort(sorted);
        var threshold = sorted[k - 1];
        var below = sorted.AsSpan(0, k).IndexOf(threshold);
        var atThreshold = k - below;
        var nearest = new List<int>(k);
        for (var r = 0; r < distance.Length; r++)
        {
            if (distance[r] < threshold || (distance[r] == threshold && atThreshold-- > 0))
            {
                nearest.Add(r);
            }
        }

        var result = Enumerable.Range(0, _classes)
            .Select(m => (float)Quantile(nearest.Select(r => (double)_train.LossOf(r, m)).Order().ToArray(), 0.5)).ToArray();
        result[c] = prompt;
        lock (_companions)
        {
            _companions[(c, prompt)] = result;
        }

        return result;
    }

    /// <summary>HyperForget Eq. 6 / G.pt r_squared: 1 − Σ(d − o)² / (Σ(d − mean d)² + 1e-8).</summary>
    public static double RSquared(ReadOnlySpan<float> desired, ReadOnlySpan<float> observed)
    {
        double mean = 0;
        foreach (var d in desired)
        {
            mean += d;
        }

        mean /= desired.Length;
        double residual = 0, total = 0;
        for (var k = 0; k < desired.Length; k++)
        {
            residual += Math.Pow(desired[k] - observed[k], 2);
            total += Math.Pow(desired[k] - mean, 2);
        }

        return 1 - (residual / (total + 1e-8));
    }

    public static double Pearson(IReadOnlyList<float> x, IReadOnlyList<float> y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var k = 0; k < x.Count; k++)
        {
            sxy += (x[k] - mx) * (y[k] - my);
            sxx += (x[k] - mx) * (x[k] - mx);
            syy += (y[k] - my) * (y[k] - my);
        }

        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var position = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(position);
        var hi = Math.Min(sorted.Count - 1, lo + 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (position - lo));
    }

    /// <summary>Per-class test losses of raw parameter rows [N, P]; a non-finite loss counts as 100 (a broken net).</summary>
    private float[] ObservedLosses(ParameterLayout layout, Tensor samples)
    {
        using var evaluator = new PerClassEvaluator(_test, _classes, samples.device);
        var result = new List<float>();
        foreach (var chunk in samples.split(256))
        {
            using var scope = NewDisposeScope();
            var (loss, _) = evaluator.EvaluateRows(layout, chunk);
            result.AddRange(loss.cpu().data<float>().ToArray().Select(v => float.IsFinite(v) ? v : 100f));
        }

        return result.ToArray();
    }
}
