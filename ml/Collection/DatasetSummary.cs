using Lethe.ML.Data;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;

namespace Lethe.ML.Collection;

/// <summary>
/// What a checkpoint dataset covers: checkpoints per run, per-class loss histograms, and — what DiHyFo needs for
/// forgetting prompts to be in distribution — how many checkpoints have a non-pivot class at high loss (at or above
/// chance level, ln m) while every pivot stays accurate, and how good the nets are that a request to forget one class
/// should sample like: checkpoints that have not learned that class while every other class is accurate.
/// </summary>
public sealed record DatasetSummary(
    int Checkpoints,
    int Runs,
    int MinPerRun,
    double MeanPerRun,
    int MaxPerRun,
    double[] LossBinEdges,
    int[][] LossHistogram,
    double HighLossThreshold,
    IReadOnlyDictionary<int, int> HighLossWithAccuratePivots,
    IReadOnlyDictionary<int, RetainReference> WithoutClass,
    IReadOnlyDictionary<int, RetrainLikeCount> RetrainLike)
{
    /// <summary>A checkpoint has not learned a class below this test accuracy on it ...</summary>
    public const double UnlearnedAccuracy = 0.05;

    /// <summary>... and has learned every other class at or above this one.</summary>
    public const double LearnedAccuracy = 0.7;

    public static DatasetSummary Of(CheckpointBatch batch, TaskPreset preset, double pivotAccuracy)
    {
        var perRun = batch.Run.GroupBy(r => r).Select(g => g.Count()).ToArray();
        var m = batch.ClassCount;
        // Bins up to the 99th percentile of all class losses; the last bin also holds everything above it (never-learned
        // classes reach losses of 50+ and would squash a linear scale).
        var sorted = batch.ClassLoss.Order().ToArray();
        var cap = Math.Max(Math.Log(m) * 2, sorted.Length == 0 ? 1 : sorted[(int)(0.99 * (sorted.Length - 1))]);
        var edges = Enumerable.Range(0, 13).Select(i => cap * i / 12.0).ToArray();
        var histogram = Enumerable.Range(0, m).Select(_ => new int[edges.Length - 1]).ToArray();
        var threshold = Math.Log(m);
        var high = preset.NonPivots.ToDictionary(c => c, _ => 0);
        var without = preset.NonPivots.ToDictionary(c => c, _ => new List<float>());
        for (var row = 0; row < batch.Count; row++)
        {
            var loss = batch.ClassLossOf(row);
            var acc = batch.ClassAccOf(row);
            for (var c = 0; c < m; c++)
            {
                var bin = Math.Min(edges.Length - 2, (int)(loss[c] / cap * 12));
                histogram[c][bin]++;
            }

            foreach (var c in preset.NonPivots)
            {
                if (acc[c] < UnlearnedAccuracy && OthersLearned(acc, c))
                {
                    without[c].Add((float)RetainAccuracy(acc, c));
                }
            }

            var pivotsAccurate = true;
            foreach (var p in preset.Pivots)
            {
                pivotsAccurate &= acc[p] >= pivotAccuracy;
            }

            if (!pivotsAccurate)
            {
                continue;
            }

            foreach (var c in preset.NonPivots)
            {
                if (loss[c] >= threshold)
                {
                    high[c]++;
                }
            }
        }

        return new DatasetSummary(
            batch.Count, perRun.Length,
            perRun.Length == 0 ? 0 : perRun.Min(), perRun.Length == 0 ? 0 : perRun.Average(), perRun.Length == 0 ? 0 : perRun.Max(),
            edges, histogram, threshold, high, without.ToDictionary(p => p.Key, p => RetainReference.Of(LossSketch.Of(p.Value))),
            RetrainLikeCounts(batch, preset));
    }

    /// <summary>Per non-pivot class: the references a DiHyFo request forgetting only it selects against (<see cref="NeverLearnedReference"/>).</summary>
    private static Dictionary<int, RetrainLikeCount> RetrainLikeCounts(CheckpointBatch batch, TaskPreset preset)
    {
        var finalRows = NeverLearnedReference.FinalRows(batch.Run, batch.Step);
        return preset.NonPivots.ToDictionary(c => c, c =>
        {
            var (_, matches, pivotsOnly) = NeverLearnedReference.Choose(finalRows, row => batch.ClassAccOf(row).ToArray(), [c], preset);
            return new RetrainLikeCount(matches, pivotsOnly);
        });
    }

    private static bool OthersLearned(ReadOnlySpan<float> acc, int except)
    {
        for (var c = 0; c < acc.Length; c++)
        {
            if (c != except && acc[c] < LearnedAccuracy)
            {
                return false;
            }
        }

        return true;
    }

    private static double RetainAccuracy(ReadOnlySpan<float> acc, int except)
    {
        var sum = 0.0;
        for (var c = 0; c < acc.Length; c++)
        {
            sum += c == except ? 0 : acc[c];
        }

        return sum / (acc.Length - 1);
    }

    /// <summary>Per-class loss histograms as one PNG (one line per class).</summary>
    public void WriteHistogramPng(string path, TaskPreset preset)
    {
        var plot = new ScottPlot.Plot();
        var centers = Enumerable.Range(0, LossHistogram[0].Length).Select(i => (LossBinEdges[i] + LossBinEdges[i + 1]) / 2).ToArray();
        for (var c = 0; c < LossHistogram.Length; c++)
        {
            var line = plot.Add.Scatter(centers, LossHistogram[c].Select(v => (double)v).ToArray());
            line.LegendText = preset.Pivots.Contains(c) ? $"class {c} (pivot)" : $"class {c}";
        }

        plot.Title($"{preset.Name}: per-class test loss of {Checkpoints} checkpoints");
        plot.XLabel("class cross-entropy on the test split");
        plot.YLabel("checkpoints");
        plot.ShowLegend();
        var temporary = path + ".tmp.png";
        plot.SavePng(temporary, 900, 540);
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>
/// The checkpoints that have not learned a class while every other class is accurate: how many, and the (lower) median
/// and best of their mean accuracy over the other classes (test split). NaN when there are none.
/// </summary>
public sealed record RetainReference(long Checkpoints, double MedianRetainAccuracy, double MaxRetainAccuracy)
{
    /// <summary>From the sorted sketch of the accuracies (exact up to <see cref="LossSketch.Points"/> checkpoints).</summary>
    public static RetainReference Of(LossSketch accuracies) => accuracies.Count == 0
        ? new RetainReference(0, double.NaN, double.NaN)
        : new RetainReference(accuracies.Count, accuracies.Values[(accuracies.Values.Length - 1) / 2], accuracies.Values[^1]);
}

/// <summary>
/// The final checkpoints a DiHyFo request forgetting one class compares its candidates with (<see
/// cref="NeverLearnedReference"/>: at most <see cref="NeverLearnedReference.NeverLearnedAccuracy"/> accurate on the class,
/// at least <see cref="NeverLearnedReference.AccurateAccuracy"/> on every other); <paramref name="PivotsOnly"/> when none
/// qualifies and only the pivots are required accurate.
/// </summary>
public sealed record RetrainLikeCount(int Matches, bool PivotsOnly);
