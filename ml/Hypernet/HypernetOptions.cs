using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lethe.ML.Hypernet;

/// <summary>
/// Everything that shapes a hypernetwork and its training (design/hypernet-spec.md §10). Size presets: <c>tiny</c>
/// (tests, seconds), <c>cpu</c> (the default, minutes on 2 cores) and <c>paper</c> (HyperForget §3: d=1536, 12 layers,
/// 16 heads; a GPU).
/// </summary>
public sealed record HypernetOptions
{
    public string Variant { get; init; } = HypernetVariant.Dihyfo2.Name;

    public string Preset { get; init; } = "cpu";

    /// <summary>Transformer width d.</summary>
    public int Width { get; init; } = 128;

    public int Layers { get; init; } = 4;

    public int Heads { get; init; } = 4;

    /// <summary>Parameters per token within a tensor (chunk_within_layer); 784 makes one fc1 token one hidden neuron.</summary>
    public int Chunk { get; init; } = 784;

    /// <summary>F of the sin/cos embedding of timesteps and losses (2F+1 features per scalar).</summary>
    public int Frequencies { get; init; } = 64;

    public double MaxFrequencyLog2 { get; init; } = 14;

    /// <summary>
    /// Highest frequency (log2, rad per unit of loss) of the loss embeddings; G.pt uses <see cref="MaxFrequencyLog2"/> for
    /// both. At 2^14 a loss change of 1e-4 turns the top features around, so the denoiser can key on a checkpoint's exact
    /// losses instead of learning a smooth map from losses to weights. The <c>cpu</c> preset caps it at 4 (one turn per
    /// ~0.4 nat at the top): on MNIST-4 (1,024 runs, dihyfo2, 12,000 steps, 64-net re-measurement) the weaker non-pivot
    /// class's alignment went from 0.797 / 0.757 (seeds 1 / 5, G.pt's embedding) to 0.815 / 0.859, and seed 2's published
    /// version aligns 0.849 / 0.856. <c>tiny</c> and <c>paper</c> keep G.pt's embedding. Null: <see cref="MaxFrequencyLog2"/>.
    /// </summary>
    public double? LossFrequencyLog2 { get; init; }

    /// <summary>"global": G.pt's one coefficient 0.538/std; "tensor": one such coefficient per state-dict tensor.</summary>
    public string Normalization { get; init; } = "tensor";

    /// <summary>
    /// "element": the MSE is the mean over all P parameters (G.pt); "tensor": the mean of the per-tensor MSEs, so the
    /// few fc2 values that set the class losses weigh as much as the 1,568 fc1 weights.
    /// </summary>
    public string LossWeighting { get; init; } = "tensor";

    /// <summary>
    /// Exponent α of the target-loss resampling weight count^-α over joint loss bins of the non-pivot classes (HyperForget
    /// A.6: covering the loss range matters); 0 keeps G.pt's uniform pairs.
    /// </summary>
    public double Balance { get; init; } = 0.75;

    /// <summary>
    /// Probability that a training pair's target-loss tokens (ℓ*, and Δℓ for the variants that see ℓ) are replaced by
    /// learned null tokens, so one denoiser also learns the unconditional prediction (classifier-free guidance, Ho &amp;
    /// Salimans 2022). 0 (G.pt) trains no null tokens and samples only conditionally.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double ConditionDropout { get; init; }

    /// <summary>
    /// DiHyFo-1 and G.pt: share of training pairs drawn from forgetting transitions (the current checkpoint has a
    /// non-pivot class learned, the target of the same run has it forgotten; see <see cref="PairSampler"/>), the step an
    /// unlearning request asks for. 0: every pair drawn as G.pt does.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double ForgettingPairs { get; init; }

    /// <summary>
    /// DiHyFo-1 and G.pt: share of training pairs whose target comes from the retrained twin of the current checkpoint's
    /// run (same initialisation, some learned classes never trained; <c>lethe collect --retrained-twins</c>), at the same
    /// or a later step, with a non-pivot class learned in the current checkpoint and forgotten in the target (see
    /// <see cref="PairSampler"/>): the exact unlearning of the current checkpoint. 0: none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double TwinPairs { get; init; }

    /// <summary>
    /// DiHyFo-1 and G.pt: share of training pairs whose target comes from another run, a checkpoint with a non-pivot
    /// class forgotten and the pivots learned, and whose current checkpoint has that class learned (see
    /// <see cref="PairSampler"/>): the target is a net that never learned the class, as an unlearning request wants, not an
    /// edit of the current checkpoint. 0: none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double CrossPairs { get; init; }

    /// <summary>
    /// DiHyFo-1 and G.pt: predict θ* as the dataset-mean base plus the heads, as DiHyFo-2 does, instead of G.pt's global
    /// residual θ + heads. The current θ stays an input token. A target from another run (<see cref="CrossPairs"/>) is not
    /// an edit of the current checkpoint, and through the residual the heads must first cancel θ: what they leave of it
    /// carries the current model's classes into the samples. False: the residual (G.pt).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool MeanBase { get; init; }

    /// <summary>
    /// Half-width s of the log-uniform rescaling of hidden units applied to training pairs: unit i of a pair gets one
    /// α_i = exp(U(−s, s)) that multiplies its fc1 row and bias and divides its fc2 column — a ReLU net computes the same
    /// function, so θ and θ* keep their losses (positive homogeneity, the continuous symmetry beside the permutations;
    /// with 2 hidden units, permutations alone give only two copies of each net). 0: none (G.pt).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double ScaleAugmentation { get; init; }

    /// <summary>
    /// Guidance scale w of sampling: x̂0 = x̂0(∅) + w·(x̂0(ℓ*) − x̂0(∅)); w &gt; 1 pushes samples towards their prompt.
    /// Null: 1, plain conditional sampling (G.pt). Needs <see cref="ConditionDropout"/> &gt; 0.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Guidance { get; init; }

    public int BatchSize { get; init; } = 128;

    public int Steps { get; init; } = 12000;

    public double LearningRate { get; init; } = 1e-3;

    public int WarmupSteps { get; init; } = 500;

    public double WeightDecay { get; init; } = 0.1;

    public double GradientClip { get; init; } = 0.75;

    public double EmaDecay { get; init; } = 0.999;

    /// <summary>Augment every training pair by a random permutation of the hidden units (G.pt augment.py).</summary>
    public bool Permute { get; init; } = true;

    /// <summary>Fraction of runs (the last ones by index, as G.pt) held out for the diffusion loss and prompt alignment.</summary>
    public double HeldOutFraction { get; init; } = 0.1;

    public int LogEvery { get; init; } = 100;

    public int EvaluateEvery { get; init; } = 1500;

    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Input nets (DiHyFo-1, G.pt) or noise seeds (DiHyFo-2) per alignment sweep.</summary>
    public int EvaluationNets { get; init; } = 8;

    /// <summary>Regularly spaced prompts per sweep (HyperForget A.4: 20).</summary>
    public int Prompts { get; init; } = 20;

    /// <summary>"ddim" (η = 0) or "ddpm" (respaced ancestral, fixed large variances).</summary>
    public string Sampler { get; init; } = "ddim";

    public int SamplingSteps { get; init; } = 50;

    public int Seed { get; init; } = 1;

    [JsonIgnore]
    public HypernetVariant Kind => HypernetVariant.Parse(Variant);

    [JsonIgnore]
    public int HeadWidth => Width / Heads;

    /// <summary>Hash of the options that shape the model and its training data order (resume refuses other options).</summary>
    [JsonIgnore]
    public string Id => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        JsonSerializer.Serialize(this with { Steps = 0, LogEvery = 0, EvaluateEvery = 0, CheckpointEvery = 0, EvaluationNets = 0, Prompts = 0, Sampler = "", SamplingSteps = 0, Guidance = null }))))[..16];

    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "cpu", "paper"];

    public static HypernetOptions ForPreset(string preset, string variant) => (preset.ToLowerInvariant() switch
    {
        "tiny" => new HypernetOptions
        {
            Preset = "tiny", Variant = variant, Width = 32, Layers = 1, Heads = 2, Frequencies = 8, BatchSize = 32, Steps = 80,
            LearningRate = 2e-3, WarmupSteps = 10, EmaDecay = 0.9, LogEvery = 20, EvaluateEvery = 40, CheckpointEvery = 40,
            EvaluationNets = 2, Prompts = 5, SamplingSteps = 10,
        },
        "cpu" => new HypernetOptions { Preset = "cpu", Variant = variant, LossFrequencyLog2 = 4, CrossPairs = CrossPairsByDefault(variant), MeanBase = MeanBaseByDefault(variant) },
        "paper" => new HypernetOptions
        {
            Preset = "paper", Variant = variant, Width = 1536, Layers = 12, Heads = 16, Frequencies = 128, BatchSize = 1024,
            Steps = 100_000, LearningRate = 4e-4, WarmupSteps = 2000, EmaDecay = 0.9999, EvaluateEvery = 5000, CheckpointEvery = 2000,
            EvaluationNets = 16, CrossPairs = CrossPairsByDefault(variant), MeanBase = MeanBaseByDefault(variant),
        },
        _ => throw new ArgumentException($"Unknown hypernetwork size preset '{preset}'; accepted: {string.Join(", ", PresetNames)}."),
    }).Validated();

    /// <summary>
    /// DiHyFo-1 draws 99% of its training pairs as cross pairs by default (<see cref="CrossPairs"/>): the target a net of
    /// another run that never learned a class the current checkpoint has learned. With G.pt's in-run pairs its samples
    /// stayed a small step from the model to unlearn and forgot only under guidance up to 8, which made them confident
    /// on the forgotten classes (MNIST-4, the demo's 512 runs, 3,000 steps, seeds 1-10: acc_Df .113 / .038 on {2} /
    /// {2,3}, φ .849 / .877, every bar missed); with cross pairs (6,000 steps, no guidance) acc_Df 0 / .0005, acc_Dr
    /// within .016 of retrain, φ .939 / .935 (docs/measured.md). It then needs no condition dropout or guidance, as
    /// DiHyFo-2. DiHyFo-2 and G.pt keep G.pt's pairs.
    /// </summary>
    private static double CrossPairsByDefault(string variant) => HypernetVariant.Parse(variant) == HypernetVariant.Dihyfo1 ? 0.99 : 0;

    /// <summary>
    /// DiHyFo-1 predicts from the dataset mean by default (<see cref="MeanBase"/>): on cross pairs the target is not an
    /// edit of the current checkpoint, and through G.pt's residual the current model's classes leaked into the samples
    /// (candidates of one request that forget class 2, acc_Df &lt; .005: 4 to 64 of 64, by the model to unlearn, with the
    /// residual; 60 to 64 from the mean, on the tuning seeds). MNIST-4, the demo's 512 runs, 6,000 steps, seeds 11-20:
    /// φ .918 / .930 → .961 / .955 on {2} / {2,3}, every bar met (docs/measured.md). G.pt keeps its residual.
    /// </summary>
    private static bool MeanBaseByDefault(string variant) => HypernetVariant.Parse(variant) == HypernetVariant.Dihyfo1;

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    public static HypernetOptions FromJson(string json, string source) =>
        (JsonSerializer.Deserialize<HypernetOptions>(json) ?? throw new InvalidDataException($"{source}: empty hypernetwork options.")).Validated();

    public HypernetOptions Validated()
    {
        _ = Kind;
        Require(Width >= 8 && Heads >= 1 && Width % Heads == 0, $"width {Width} must be at least 8 and divisible by the head count {Heads}.");
        Require(Layers >= 1, $"layers must be at least 1; got {Layers}.");
        Require(Chunk >= 1, $"chunk must be at least 1; got {Chunk}.");
        Require(Frequencies >= 1, $"frequencies must be at least 1; got {Frequencies}.");
        Require(ParameterNormalizer.Modes.Contains(Normalization), $"normalization '{Normalization}' is not accepted; use {string.Join(" or ", ParameterNormalizer.Modes)}.");
        Require(LossWeighting is "element" or "tensor", $"loss weighting '{LossWeighting}' is not accepted; use element or tensor.");
        Require(Balance is >= 0 and <= 1, $"balance must be in [0, 1]; got {Balance}.");
        Require(BatchSize >= 1 && Steps >= 1, "batch size and steps must be at least 1.");
        Require(LearningRate > 0, $"learning rate must be positive; got {LearningRate}.");
        Require(EmaDecay is >= 0 and < 1, $"EMA decay must be in [0, 1); got {EmaDecay}.");
        Require(HeldOutFraction is > 0 and < 1, $"held-out fraction must be in (0, 1); got {HeldOutFraction}.");
        Require(LogEvery >= 1 && EvaluateEvery >= 1 && CheckpointEvery >= 1, "log, evaluation and checkpoint intervals must be at least 1.");
        Require(EvaluationNets >= 1 && Prompts >= 2, $"alignment needs at least 1 net and 2 prompts; got {EvaluationNets} nets and {Prompts} prompts.");
        Require(Sampler is "ddim" or "ddpm", $"sampler '{Sampler}' is not accepted; use ddim or ddpm.");
        Require(ScaleAugmentation is >= 0 and <= 2, $"scale augmentation must be in [0, 2] (a log-scale half-width); got {ScaleAugmentation}.");
        Require(ForgettingPairs is >= 0 and < 1 && (ForgettingPairs == 0 || Kind.ConditionsOnCurrent), $"forgetting pairs must be in [0, 1), and 0 for {HypernetVariant.Dihyfo2.Name}, which does not see the current checkpoint; got {ForgettingPairs} for {Variant}.");
        Require(TwinPairs is >= 0 and < 1 && ForgettingPairs + TwinPairs < 1 && (TwinPairs == 0 || Kind.ConditionsOnCurrent), $"twin pairs must be in [0, 1) with forgetting pairs + twin pairs < 1, and 0 for {HypernetVariant.Dihyfo2.Name}, which does not see the current checkpoint; got {TwinPairs} (forgetting pairs {ForgettingPairs}) for {Variant}.");
        Require(!MeanBase || Kind.ConditionsOnCurrent, $"the mean base is a choice of the variants that see the current checkpoint ({HypernetVariant.Dihyfo1.Name}, {HypernetVariant.Gpt.Name}); {Variant} always predicts from the dataset mean.");
        Require(CrossPairs is >= 0 and < 1 && ForgettingPairs + TwinPairs + CrossPairs < 1 && (CrossPairs == 0 || Kind.ConditionsOnCurrent), $"cross pairs must be in [0, 1) with forgetting + twin + cross pairs < 1, and 0 for {HypernetVariant.Dihyfo2.Name}, which does not see the current checkpoint; got {CrossPairs} (forgetting pairs {ForgettingPairs}, twin pairs {TwinPairs}) for {Variant}.");
        Require(ConditionDropout is >= 0 and < 1, $"condition dropout must be in [0, 1); got {ConditionDropout}.");
        Require(Guidance is null || (Guidance > 0 && ConditionDropout > 0), $"guidance {Guidance} needs a positive scale and a model trained with condition dropout > 0 (got {ConditionDropout}).");
        Require(SamplingSteps is >= 1 and <= GaussianDiffusion.TrainingSteps, $"sampling steps must be in [1, {GaussianDiffusion.TrainingSteps}]; got {SamplingSteps}.");
        return this;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
