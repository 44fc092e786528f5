namespace Lethe.ML.Hypernet;

/// <summary>PNG plots of a training (ScottPlot): observed vs target loss per class (HyperForget Fig. 2, 11-18) and learning curves.</summary>
public static class HypernetPlots
{
    /// <summary>Observed vs prompted loss with the identity line and the class's median training loss as reference.</summary>
    public static void WriteAlignment(string path, ClassAlignment result, string title)
    {
        var plot = new ScottPlot.Plot();
        var scatter = plot.Add.ScatterPoints(result.Targets.Select(v => (double)v).ToArray(), result.Observed.Select(v => (double)v).ToArray());
        scatter.LegendText = $"sampled nets ({result.Nets} × {result.Targets.Length / result.Nets} prompts)";
        var top = Math.Max(result.PromptHigh, result.Observed.DefaultIfEmpty(0).Max()) * 1.05;
        var identity = plot.Add.Line(0, 0, top, top);
        identity.LegendText = "identity (observed = target)";
        identity.LinePattern = ScottPlot.LinePattern.Dashed;
        var reference = plot.Add.HorizontalLine(result.Reference);
        reference.LegendText = $"reference: median training loss {result.Reference:F2}";
        reference.LinePattern = ScottPlot.LinePattern.Dotted;
        var name = result.Class < 0 ? "global loss" : result.Pivot ? $"class {result.Class} (pivot)" : $"class {result.Class}";
        plot.Title($"{title}: {name}, alignment {result.Alignment:F3} ± {result.AlignmentStandardError:F3}, Pearson {result.Pearson:F3}");
        plot.XLabel("target (prompted) loss");
        plot.YLabel("observed test loss");
        plot.ShowLegend();
        Save(plot, path);
    }

    /// <summary>Train and held-out diffusion loss (log scale) and, where measured, the alignment per class.</summary>
    public static void WriteLearningCurves(string path, IReadOnlyList<TrainingLogEntry> log, string title)
    {
        var plot = new ScottPlot.Plot();
        var losses = log.Where(e => e.TrainLoss > 0).ToArray();
        if (losses.Length > 0)
        {
            var train = plot.Add.Scatter(losses.Select(e => (double)e.Step).ToArray(), losses.Select(e => Math.Log10(e.TrainLoss)).ToArray());
            train.LegendText = "train diffusion loss (log10)";
            var held = losses.Where(e => e.HeldOutLoss > 0).ToArray();
            if (held.Length > 0)
            {
                var heldOut = plot.Add.Scatter(held.Select(e => (double)e.Step).ToArray(), held.Select(e => Math.Log10(e.HeldOutLoss)).ToArray());
                heldOut.LegendText = "held-out diffusion loss (log10)";
            }
        }

        var evaluations = log.Where(e => e.Alignment is not null).ToArray();
        foreach (var key in evaluations.SelectMany(e => e.Alignment!.Keys).Distinct())
        {
            var points = evaluations.Where(e => e.Alignment!.ContainsKey(key)).ToArray();
            var line = plot.Add.Scatter(points.Select(e => (double)e.Step).ToArray(), points.Select(e => Math.Max(-1, e.Alignment![key])).ToArray());
            line.LegendText = $"alignment {key} (clipped at -1)";
            line.Axes.YAxis = plot.Axes.Right;
        }

        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("log10 MSE (normalized x0)");
        plot.Axes.Right.Label.Text = "prompt alignment";
        plot.ShowLegend();
        Save(plot, path);
    }

    private static void Save(ScottPlot.Plot plot, string path)
    {
        var temporary = path + ".tmp.png";
        plot.SavePng(temporary, 900, 600);
        File.Move(temporary, path, overwrite: true);
    }
}
