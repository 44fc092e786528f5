using ScottPlot;

namespace Lethe.ML.Evaluation;

/// <summary>
/// The report's figure: accuracy bars on D_r, D_f, T_r, T_f, T per model, and the confusion of the unlearned model's
/// predictions against the retrained model's on D_r and on T (rows retrained, columns unlearned; HyperForget Fig. 5-8).
/// </summary>
public static class ReportPlot
{
    public static void Save(UnlearningReport report, string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Accuracy(multiplot.GetPlot(0), report);
        Confusion(multiplot.GetPlot(1), report.Unlearned.ConfusionRetainTrain, $"{report.Method} vs retrained on D_r");
        Confusion(multiplot.GetPlot(2), report.Unlearned.ConfusionTest, $"{report.Method} vs retrained on T");
        multiplot.SavePng(path, 1500, 460);
    }

    private static void Accuracy(Plot plot, UnlearningReport report)
    {
        string[] sets = ["D_r", "D_f", "T_r", "T_f", "T"];
        var models = new List<(string Name, ModelMetrics Metrics)>();
        if (report.Original is not null)
        {
            models.Add(("original", report.Original));
        }

        models.Add(("retrained", report.Retrained));
        models.Add((report.Method, report.Unlearned));
        var palette = new ScottPlot.Palettes.Category10();
        for (var m = 0; m < models.Count; m++)
        {
            var metrics = models[m].Metrics;
            double[] values = [metrics.AccuracyRetainTrain, metrics.AccuracyForgetTrain, metrics.AccuracyRetainTest, metrics.AccuracyForgetTest, metrics.AccuracyTest];
            var bars = values.Select((v, s) => new Bar
            {
                Position = (s * (models.Count + 1)) + m,
                Value = v,
                FillColor = palette.GetColor(m),
            }).ToArray();
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = models[m].Name;
        }

        plot.Axes.Bottom.SetTicks(sets.Select((_, s) => (double)((s * (models.Count + 1)) + ((models.Count - 1) / 2.0))).ToArray(), sets);
        plot.Axes.SetLimitsY(0, 1.05);
        plot.Title($"accuracy, forget {report.ForgetSet ?? $"{{{string.Join(",", report.Forget)}}}"}");
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static void Confusion(Plot plot, int[][]? matrix, string title)
    {
        plot.Title(title);
        if (matrix is null)
        {
            return;
        }

        var m = matrix.Length;
        // The heatmap draws intensities[0, *] as its top row; retrained class r is plotted at y = m - 1 - r so class 0
        // is on top, as a confusion matrix reads.
        var intensities = new double[m, m];
        for (var r = 0; r < m; r++)
        {
            for (var c = 0; c < m; c++)
            {
                intensities[r, c] = matrix[r][c];
            }
        }

        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Extent = new CoordinateRect(-0.5, m - 0.5, -0.5, m - 0.5);
        for (var r = 0; r < m; r++)
        {
            for (var c = 0; c < m; c++)
            {
                var text = plot.Add.Text(matrix[r][c].ToString(), c, m - 1 - r);
                text.LabelFontSize = m > 6 ? 9 : 14;
                text.LabelFontColor = Colors.White;
                text.LabelAlignment = Alignment.MiddleCenter;
            }
        }

        var ticks = Enumerable.Range(0, m).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, ticks.Select(t => t.ToString()).ToArray());
        plot.Axes.Left.SetTicks(ticks, ticks.Select(t => (m - 1 - t).ToString()).ToArray());
        plot.Axes.SetLimits(-0.5, m - 0.5, -0.5, m - 0.5);
        plot.XLabel("unlearned prediction");
        plot.YLabel("retrained prediction");
    }
}
