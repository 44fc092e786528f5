namespace Lethe.ML.Hypernet;

/// <summary>
/// Which weight-space diffusion model (HyperForget §3, Fig. 1; G.pt): what conditions the denoiser sees and what its
/// x0 prediction is added to.
/// </summary>
/// <param name="Name">CLI and file name: dihyfo1, dihyfo2 or gpt.</param>
/// <param name="ConditionsOnCurrent">The current parameters θ and their losses are inputs, and x̂0 = θ + heads(...)
/// (G.pt's global residual). Without them (DiHyFo-2) the heads are added to a fixed base instead.</param>
/// <param name="PerClassLosses">Losses are per-class vectors (DiHyFo); otherwise one global loss (G.pt).</param>
public sealed record HypernetVariant(string Name, bool ConditionsOnCurrent, bool PerClassLosses)
{
    /// <summary>DiHyFo-1: p(θ* | θ, ℓ, ℓ*) with per-class losses; a learned optimiser-deoptimiser.</summary>
    public static readonly HypernetVariant Dihyfo1 = new("dihyfo1", true, true);

    /// <summary>DiHyFo-2: p(θ* | ℓ*), conditioned on target per-class losses only.</summary>
    public static readonly HypernetVariant Dihyfo2 = new("dihyfo2", false, true);

    /// <summary>G.pt: p(θ* | θ, L, L*) with one global loss (the mean of the class losses).</summary>
    public static readonly HypernetVariant Gpt = new("gpt", true, false);

    public static IReadOnlyList<HypernetVariant> All { get; } = [Dihyfo1, Dihyfo2, Gpt];

    public static HypernetVariant Parse(string name) =>
        All.FirstOrDefault(v => v.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown hypernetwork variant '{name}'; accepted: {string.Join(", ", All.Select(v => v.Name))}.");

    /// <summary>Width of a loss vector the model is conditioned on: the class count, or 1 for G.pt's global loss.</summary>
    public int LossWidth(int classCount) => PerClassLosses ? classCount : 1;

    public override string ToString() => Name;
}
