using Lethe.Contracts.Hypernet;
using Lethe.Contracts.Unlearning;

namespace Lethe.Grains.Unlearning;

/// <summary>The request without its model bytes (those are an artifact), and its outcome.</summary>
[GenerateSerializer, Alias("lethe.unlearning-request-state")]
public sealed class UnlearningRequestState
{
    [Id(0)] public UnlearningStatus Status { get; set; }

    [Id(1)] public string? Method { get; set; }

    [Id(2)] public string? Preset { get; set; }

    [Id(3)] public int[] Forget { get; set; } = [];

    [Id(4)] public int Seed { get; set; }

    [Id(5)] public string Tenant { get; set; } = "";

    [Id(6)] public string Data { get; set; } = "npm";

    [Id(7)] public string? InputKey { get; set; }

    [Id(8)] public string? InputSha256 { get; set; }

    [Id(9)] public UnlearningOutcome? Outcome { get; set; }

    [Id(10)] public DateTimeOffset? SubmittedUtc { get; set; }

    /// <summary>DiHyFo: the exact published version resolved at submission, so a resumed request samples the same model.</summary>
    [Id(11)] public PublishedHypernet? Hypernet { get; set; }

    /// <summary>DiHyFo: the collection jobs whose checkpoints set the target-loss prompts.</summary>
    [Id(12)] public string[] Checkpoints { get; set; } = [];

    [Id(13)] public int Candidates { get; set; }

    [Id(14)] public double? ForgetQuantile { get; set; }

    [Id(15)] public double? RetainQuantile { get; set; }

    [Id(16)] public double[]? Guidance { get; set; }

    /// <summary>SHA-256 over every submitted field, so a replay with any other field is a conflict.</summary>
    [Id(17)] public string? Fingerprint { get; set; }

    /// <summary>Whether this request holds a slot of its tenant's quota (released once, by this grain).</summary>
    [Id(18)] public bool SlotHeld { get; set; }

    /// <summary>invwnn: the trainer grain whose InvWNN predictor rewinds the model.</summary>
    [Id(19)] public string? Predictor { get; set; }

    /// <summary>Random-sample forgetting: this fraction of D, drawn with <see cref="Seed"/> (Forget is empty).</summary>
    [Id(20)] public double? ForgetFraction { get; set; }

    /// <summary>Random-sample forgetting: these sample indices into D (Forget is empty).</summary>
    [Id(21)] public int[]? ForgetSamples { get; set; }

    /// <summary>What the request forgets, as the pipeline takes it.</summary>
    public Lethe.ML.Evaluation.ForgetSet ForgetSet() => Lethe.ML.Evaluation.ForgetSet.Of(Forget, ForgetFraction, ForgetSamples, Seed);
}
