using Lethe.ML.Data;
using Lethe.ML.Storage;

namespace Lethe.ML.Collection;

/// <summary>
/// What a checkpoint dataset covers: checkpoints per run, per-class loss histograms, and — what DiHyFo needs for
/// forgetting prompts to be in distribution — how many checkpoints have a non-pivot class at high loss (at or above
/// chance level, ln m) while every pivot stays accurate.
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
    IReadOnlyDictionary<int, int> HighLossWithAccuratePivots)
{
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
        for (var row = 0; row < batch.Count; row++)
        {
            var loss = batch.ClassLossOf(row);
            var acc = batch.ClassAccOf(row);
            for (var c = 0; c < m; c++)
            {
                var bin = Math.Min(edges.Length - 2, (int)(loss[c] / cap * 12));
                histogram[c][bin]++;
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
            edges, histogram, threshold, high);
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
