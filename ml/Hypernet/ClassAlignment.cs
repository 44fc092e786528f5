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
    float[] Observed);
