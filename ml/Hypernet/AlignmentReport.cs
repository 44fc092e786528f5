namespace Lethe.ML.Hypernet;

/// <summary>Prompt alignment of one evaluation: per swept class, and how the pivots held during non-pivot sweeps.</summary>
public sealed record AlignmentReport(int Step, string Sampler, int SamplingSteps, IReadOnlyList<ClassAlignment> Classes, IReadOnlyList<PivotHold> Pivots, double Guidance = 1)
{
    /// <summary>The selection score: the worst alignment over the non-pivot classes (over every class when all are pivots).</summary>
    public double Score => (Classes.Any(c => !c.Pivot) ? Classes.Where(c => !c.Pivot) : Classes).Min(c => c.Alignment);

    /// <summary>The alignment of each sweep by its <see cref="ClassAlignment.Key"/>.</summary>
    public IReadOnlyDictionary<string, double> AlignmentByClass() => Classes.ToDictionary(c => c.Key, c => c.Alignment);

    /// <summary>The Pearson correlation of each sweep by its <see cref="ClassAlignment.Key"/>.</summary>
    public IReadOnlyDictionary<string, double> PearsonByClass() => Classes.ToDictionary(c => c.Key, c => c.Pearson);
}
