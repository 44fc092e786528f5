using Lethe.ML.HeldScalars;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// The G.pt denoiser over parameter vectors (spec §0, §1, §3; HyperForget §3, A.3): a non-causal pre-LN transformer whose
/// tokens are the noised target θ*_t, then (DiHyFo-1, G.pt) the current θ, the timestep, and the loss conditions
/// (Δℓ = ℓ* − ℓ, ℓ*, ℓ; DiHyFo-2 only ℓ*). Every token has its own input projection; only the θ*_t positions are
/// decoded, each by its own zero-initialised head. It predicts x0 = θ* as <c>base + heads(...)</c>, where base is the
/// current θ (G.pt's global residual) or, for DiHyFo-2, a fixed vector (the dataset-mean normalized θ*).
/// </summary>
public sealed class WeightDenoiser : nn.Module
{
    // Field names become parameter names through RegisterComponents.
#pragma warning disable IDE1006
    private readonly TokenEncoder encoder;
    private readonly LayerNorm ln_in;
    private readonly Parameter pos_emb;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm ln_f;
    private readonly TokenHeads heads;
    private readonly FrequencyEmbedding embedding;
    private readonly FrequencyEmbedding lossEmbedding;
    private readonly Tensor base_params;
#pragma warning restore IDE1006

    // Classifier-free guidance: the learned tokens that stand in for the target-loss tokens (registered only when the
    // options train them, so models without them keep their tensor set).
    private readonly Parameter? _nullConditions;
    private readonly int _conditionStart;
    private readonly int _conditionCount;

    public WeightDenoiser(HypernetOptions options, ParameterTokenizer tokenizer, int classCount) : base("denoiser")
    {
        Options = options;
        Variant = options.Kind;
        ParameterCount = tokenizer.Layout.Count;
        LossWidth = Variant.LossWidth(classCount);
        embedding = new FrequencyEmbedding(options.Frequencies, options.MaxFrequencyLog2);
        lossEmbedding = new FrequencyEmbedding(options.Frequencies, options.LossFrequencyLog2 ?? options.MaxFrequencyLog2);
        var scalar = embedding.FeaturesPerValue;
        var lossToken = LossWidth * scalar;
        var widths = new List<int>(tokenizer.Widths);
        if (Variant.ConditionsOnCurrent)
        {
            widths.AddRange(tokenizer.Widths);
        }

        widths.Add(scalar);
        widths.AddRange(Variant.ConditionsOnCurrent ? [lossToken, lossToken, lossToken] : [lossToken]);
        TokenCount = widths.Count;
        var targets = tokenizer.Widths.Select((_, i) => $"target{i}");
        TokenRoles = [.. targets, .. Variant.ConditionsOnCurrent ? tokenizer.Widths.Select((_, i) => $"current{i}") : [], "timestep",
            .. Variant.ConditionsOnCurrent ? ["loss_change", "target_loss", "current_loss"] : new[] { "target_loss" }];

        // The tokens that carry ℓ*: (Δℓ, ℓ*) before ℓ when the variant sees the current losses, else the last one.
        _conditionCount = Variant.ConditionsOnCurrent ? 2 : 1;
        _conditionStart = Variant.ConditionsOnCurrent ? TokenCount - 3 : TokenCount - 1;
        encoder = new TokenEncoder(widths, options.Width);
        ln_in = nn.LayerNorm(options.Width);
        pos_emb = new Parameter(zeros(1, TokenCount, options.Width));
        blocks = nn.ModuleList(Enumerable.Range(0, options.Layers).Select(i => new TransformerBlock(options.Width, options.Heads, $"block{i}")).ToArray());
        ln_f = nn.LayerNorm(options.Width);
        heads = new TokenHeads(tokenizer.Widths, options.Width);
        base_params = zeros(ParameterCount);
        RegisterComponents();
        InitialiseLinears();
        if (options.ConditionDropout > 0)
        {
            _nullConditions = new Parameter(zeros(1, _conditionCount, options.Width));
            register_parameter("null_conditions", _nullConditions);
        }
    }

    /// <summary>Whether the denoiser has learned null target-loss tokens, i.e. can predict unconditionally for guidance.</summary>
    public bool CanPredictUnconditionally => _nullConditions is not null;

    public HypernetOptions Options { get; }

    public HypernetVariant Variant { get; }

    public int ParameterCount { get; }

    public int LossWidth { get; }

    /// <summary>Sequence length T.</summary>
    public int TokenCount { get; }

    /// <summary>
    /// What each token carries, in sequence order: <c>target{k}</c> (chunk k of the noised θ*), <c>current{k}</c> (of θ),
    /// <c>timestep</c>, <c>loss_change</c>, <c>target_loss</c>, <c>current_loss</c>. Tokens of one role mean the same
    /// thing in every variant, which is what <see cref="WarmStartFrom"/> maps by.
    /// </summary>
    public IReadOnlyList<string> TokenRoles { get; }

    /// <summary>Token <paramref name="token"/>'s input projection [width, d] (a view).</summary>
    public Tensor InputProjection(int token) => encoder.TokenWeight(token);

    /// <summary>The fixed x0 base of DiHyFo-2 and of <see cref="HypernetOptions.MeanBase"/> (normalized units); unused by the residual variants.</summary>
    public Tensor Base => base_params;

    /// <summary>
    /// x̂0 [B, P] from the noised target [B, P] at original timestep indices [B]. <paramref name="targetLoss"/> is [B, w]
    /// (w = class count, or 1 for G.pt); <paramref name="current"/> [B, P] and <paramref name="currentLoss"/> [B, w] are
    /// required exactly when the variant conditions on the current parameters. Rows where <paramref name="unconditioned"/>
    /// [B] (bool) is true see the learned null tokens in place of their target-loss tokens.
    /// </summary>
    public Tensor Predict(Tensor noisy, Tensor timesteps, Tensor targetLoss, Tensor? current = null, Tensor? currentLoss = null, Tensor? unconditioned = null) =>
        Predict(noisy, timesteps, targetLoss, current, currentLoss, unconditioned, rowsPerPass: int.MaxValue);

    /// <summary>
    /// <see cref="Predict(Tensor, Tensor, Tensor, Tensor?, Tensor?, Tensor?)"/> without gradients through passes of at
    /// most <paramref name="rowsPerPass"/> rows (with gradients: one pass). On a CPU one pass of 512 rows took 1.6 (quiet)
    /// to 4 (beside another training) times as long as four of 128 (DiHyFo-1, MNIST-4, d=128; docs/measured.md, "Held-out
    /// losses in blocks"). The rows agree with one pass to float rounding (a few 1e-8), not bit for bit, which is why
    /// sampling keeps its one pass.
    /// </summary>
    public Tensor Predict(Tensor noisy, Tensor timesteps, Tensor targetLoss, Tensor? current, Tensor? currentLoss, Tensor? unconditioned, int rowsPerPass)
    {
        if (Variant.ConditionsOnCurrent != (current is not null && currentLoss is not null))
        {
            throw new ArgumentException(Variant.ConditionsOnCurrent
                ? $"{Variant} needs the current parameters and their losses."
                : $"{Variant} is conditioned on target losses only; do not pass current parameters.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerPass, 1);
        var rows = noisy.shape[0];
        if (is_grad_enabled() || rows <= rowsPerPass)
        {
            return PredictRows(noisy, timesteps, targetLoss, current, currentLoss, unconditioned);
        }

        // Without gradients every row is independent: blocks of rowsPerPass rows, each one's intermediates freed before the next.
        var parts = new List<Tensor>();
        for (long start = 0; start < rows; start += rowsPerPass)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(rowsPerPass, rows - start);
            Tensor? Rows(Tensor? all) => all?.narrow(0, start, length);
            parts.Add(PredictRows(Rows(noisy)!, Rows(timesteps)!, Rows(targetLoss)!, Rows(current), Rows(currentLoss), Rows(unconditioned)).MoveToOuterDisposeScope());
        }

        return cat(parts, 0);
    }

    private Tensor PredictRows(Tensor noisy, Tensor timesteps, Tensor targetLoss, Tensor? current, Tensor? currentLoss, Tensor? unconditioned)
    {
        var parts = new List<Tensor> { noisy };
        if (current is not null)
        {
            parts.Add(current);
        }

        parts.Add(embedding.forward(timesteps.to(ScalarType.Float32).unsqueeze(1)));
        if (currentLoss is not null)
        {
            parts.Add(lossEmbedding.forward(targetLoss - currentLoss));
            parts.Add(lossEmbedding.forward(targetLoss));
            parts.Add(lossEmbedding.forward(currentLoss));
        }
        else
        {
            parts.Add(lossEmbedding.forward(targetLoss));
        }

        var tokens = encoder.forward(cat(parts, 1));
        if (unconditioned is not null)
        {
            tokens = WithoutConditions(tokens, unconditioned);
        }

        var x = ln_in.forward(tokens).Plus(pos_emb);
        foreach (var block in blocks)
        {
            x = block.forward(x);
        }

        var delta = heads.forward(ln_f.forward(x));
        return delta.Plus(current is null || Options.MeanBase ? base_params.unsqueeze(0) : current);
    }

    /// <summary>Tokens [B, T, d] with the target-loss tokens of the <paramref name="rows"/> [B] (bool) replaced by the null tokens.</summary>
    private Tensor WithoutConditions(Tensor tokens, Tensor rows)
    {
        if (_nullConditions is null)
        {
            throw new InvalidOperationException("This denoiser was trained without condition dropout, so it has no unconditional prediction to guide with.");
        }

        var conditions = tokens.narrow(1, _conditionStart, _conditionCount);
        var parts = new List<Tensor> { tokens.narrow(1, 0, _conditionStart), where(rows.view(-1, 1, 1), _nullConditions, conditions) };
        var after = TokenCount - _conditionStart - _conditionCount;
        if (after > 0)
        {
            parts.Add(tokens.narrow(1, _conditionStart + _conditionCount, after));
        }

        return cat(parts, 1);
    }

    /// <summary>
    /// Starts this denoiser from a trained one of the same width, depth and task net (e.g. a DiHyFo-1 from a trained
    /// DiHyFo-2): every tensor of the same name and shape is copied (the transformer blocks, LayerNorms and heads), and
    /// for each token role both have (θ* chunks, timestep, target losses) its input projection and position; the tokens
    /// only this variant has (θ, Δℓ, ℓ) keep their initialisation. Returns how many values were copied.
    /// </summary>
    public long WarmStartFrom(WeightDenoiser source)
    {
        if (source.Options.Width != Options.Width || source.Options.Layers != Options.Layers || source.Options.Heads != Options.Heads
            || source.ParameterCount != ParameterCount || source.LossWidth != LossWidth)
        {
            throw new ArgumentException($"A warm start needs the same transformer and task net: this is d={Options.Width}, {Options.Layers} layers, {Options.Heads} heads over {ParameterCount} parameters and {LossWidth} losses; the source is d={source.Options.Width}, {source.Options.Layers} layers, {source.Options.Heads} heads over {source.ParameterCount} parameters and {source.LossWidth} losses.");
        }

        using var _ = no_grad();
        long copied = 0;
        var sourceTensors = source.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (name, target) in named_parameters())
        {
            if (name is not "pos_emb" && !name.StartsWith("encoder.", StringComparison.Ordinal)
                && sourceTensors.TryGetValue(name, out var from) && from.shape.SequenceEqual(target.shape))
            {
                target.copy_(from);
                copied += target.numel();
            }
        }

        var sourceTokens = source.TokenRoles.Select((role, at) => (role, at)).ToDictionary(t => t.role, t => t.at);
        for (var token = 0; token < TokenCount; token++)
        {
            if (!sourceTokens.TryGetValue(TokenRoles[token], out var at))
            {
                continue;
            }

            InputProjection(token).copy_(source.InputProjection(at));
            pos_emb[0, token].copy_(source.pos_emb[0, at]);
            copied += InputProjection(token).numel() + Options.Width;
        }

        return copied;
    }

    /// <summary>Parameters that AdamW decays (spec §5.1): every matrix except the positional embedding and the null tokens.</summary>
    public IEnumerable<Parameter> DecayedParameters() =>
        named_parameters().Where(p => p.parameter.ndim >= 2 && p.name is not ("pos_emb" or "null_conditions")).Select(p => p.parameter);

    /// <summary>Biases, LayerNorm gains, the positional embedding and the null tokens: not decayed.</summary>
    public IEnumerable<Parameter> UndecayedParameters() =>
        named_parameters().Where(p => p.parameter.ndim < 2 || p.name is "pos_emb" or "null_conditions").Select(p => p.parameter);

    /// <summary>Forward FLOPs per sample (spec §10.2): 2·(projection + head weights) + L·(24·d²·T + 4·T²·d).</summary>
    public double ForwardFlopsPerSample()
    {
        var projections = encoder.parameters().Sum(p => p.numel()) + heads.parameters().Sum(p => p.numel());
        double d = Options.Width, t = TokenCount;
        return (2.0 * projections) + (Options.Layers * ((24 * d * d * t) + (4 * t * t * d)));
    }

    private void InitialiseLinears()
    {
        using var _ = no_grad();
        foreach (var module in modules())
        {
            if (module is Linear linear)
            {
                // G.pt _init_weights: N(0, 0.02²) weights, zero biases; heads stay zero.
                nn.init.normal_(linear.weight!, 0, 0.02);
                if (linear.bias is not null)
                {
                    nn.init.zeros_(linear.bias);
                }
            }
        }
    }
}
