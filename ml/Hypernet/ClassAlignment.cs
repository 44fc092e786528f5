using System.Text.Json.Serialization;

namespace Lethe.ML.Hypernet;

/// <summary>
/// One class's prompt sweep: the prompted (target) and observed losses of every sample, net by net
/// (<c>Targets[net × prompts + j]</c>), the prompt alignment (HyperForget Eq. 6 per net, averaged: R² against the
/// identity line, G.pt <c>r_squared</c>) and the Pearson correlation over all samples. <paramref name="Reference"/> is
/// the median loss of the class in the training checkpoints (the reference line of the paper's plots).
/// </summary>
public sealed record ClassAlignment(
    int Class,
    bool Pivot,
    double Alignment,
    double Pearson,
    float PromptLow,
    float PromptHigh,
    double Reference,
    int Nets,
    float[] Targets,
    float[] Observed)
{
    /// <summary>The sweep's name in logs, model metadata and plot file names: <c>global</c> or <c>classN</c>.</summary>
    [JsonIgnore]
    public string Key => Class < 0 ? "global" : $"class{Class}";

    /// <summary>Eq. 6 of each evaluation net over its prompts; <see cref="Alignment"/> is their mean.</summary>
    [JsonIgnore]
    public double[] PerNetAlignment => Enumerable.Range(0, Nets).Select(n =>
    {
        var prompts = Targets.Length / Nets;
        return PromptAlignment.RSquared(Targets.AsSpan(n * prompts, prompts), Observed.AsSpan(n * prompts, prompts));
    }).ToArray();

    /// <summary>
    /// Standard error of <see cref="Alignment"/> over the evaluation nets (sample standard deviation / √nets): how far a
    /// re-measurement with other noise seeds or input nets may move it. 0 with a single net.
    /// </summary>
    public double AlignmentStandardError
    {
        get
        {
            var values = PerNetAlignment;
            if (values.Length < 2)
            {
                return 0;
            }

            var mean = values.Average();
            return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) / values.Length);
        }
    }
}
