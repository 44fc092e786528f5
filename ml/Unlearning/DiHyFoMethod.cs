using Lethe.ML.Evaluation;
using static TorchSharp.torch;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>dihyfo1</c> / <c>dihyfo2</c> (HyperForget §3, Appendix A.1): prompt the hypernetwork with target losses — high for
/// the forget classes, low for the rest (<see cref="TargetLossPrompt"/>) — and, for DiHyFo-1, the model to unlearn and
/// its current per-class losses; sample N candidate models (an <see cref="ICandidateSampler"/>, in batches that may run on
/// other silos) and keep the best on the validation split
/// (<see cref="CandidateSelection"/>: lowest forget accuracy, then highest retain accuracy). With a
/// <see cref="NeverLearnedReference"/>, candidates within <paramref name="retainTolerance"/> of that retain accuracy are
/// told apart by how far their predictions on the validation split are from the dataset's final checkpoints that never
/// learned the forget classes (the median over those nets of the Jensen-Shannon divergence of the softmax outputs,
/// <see cref="ValidationProbe.DivergenceTo"/>): those nets stand in for the retrained model no request has, and one minus
/// that divergence to the retrained model is the paper's φ. A net that never saw a class spreads its probability over
/// the others where the paper's rule alone keeps confidently wrong models, and confidence is what the paper's entropy
/// membership-inference attack reads as "trained on it". No gradient step touches the model or any training data.
/// DiHyFo-1 may be applied recursively (G.pt's "recursive prompting"): with <paramref name="rounds"/> &gt; 1 the selected
/// model becomes the next round's current model, its validation losses the next current losses, with the same targets
/// and a fresh sampling seed.
/// </summary>
/// <param name="provenance">Where the sampler and prompt come from (hypernetwork file, checkpoint folder), for the report.</param>
public sealed class DiHyFoMethod(int variant, ICandidateSampler sampler, TargetLossPrompt prompt, int candidates = 64, IReadOnlyDictionary<string, string>? provenance = null,
    IRetrainLikeCheckpoints? reference = null, double retainTolerance = DiHyFoMethod.DefaultRetainTolerance, int rounds = 1) : IUnlearningMethod
{
    public const double DefaultRetainTolerance = 0.02;

    public string Name => variant == 1 ? "dihyfo1" : "dihyfo2";

    /// <summary>Rounds actually run: only DiHyFo-1 conditions on a current model to feed back.</summary>
    private int Rounds => variant == 1 ? rounds : 1;

    public DataAccess Needs => DataAccess.Validation | DataAccess.CheckpointStatistics;

    public IReadOnlyDictionary<string, object> HyperParameters
    {
        get
        {
            var values = new Dictionary<string, object>
            {
                ["variant"] = variant,
                ["candidates"] = candidates,
                ["rounds"] = Rounds,
                ["prompt_retain_quantile"] = prompt.RetainQuantile,
                ["prompt_forget_quantile"] = prompt.ForgetQuantile,
                ["prompt_retain_targets"] = prompt.RetainTarget,
                ["prompt_forget_targets"] = prompt.ForgetTarget,
                ["selection"] = reference is null
                    ? "lowest validation forget accuracy, then highest validation retain accuracy"
                    : $"lowest validation forget accuracy; within {retainTolerance} of the highest validation retain accuracy, predictions on the validation split closest (median Jensen-Shannon divergence) to never-learned final checkpoints'",
            };
            foreach (var (key, value) in provenance ?? new Dictionary<string, string>())
            {
                values[key] = value;
            }

            return values;
        }
    }

    /// <summary>
    /// Three steps: on a compute thread, the prompt and (DiHyFo-1) the model's current validation losses; then the
    /// candidates from the sampler, wherever it samples them; then, on a compute thread again, the validation
    /// measurements and the selection.
    /// </summary>
    public async Task<UnlearningResult> UnlearnAsync(UnlearningRequest request, IUnlearningContext context, CancellationToken cancellation)
    {
        if (variant is not (1 or 2))
        {
            throw new ArgumentException($"DiHyFo has variants 1 and 2; got {variant}.");
        }

        UnlearningMethodCatalog.RequireServes(Name, request.Data.Set);

        if (candidates < 1)
        {
            throw new ArgumentException($"DiHyFo needs at least one candidate; got {candidates}.");
        }

        if (rounds < 1)
        {
            throw new ArgumentException($"DiHyFo needs at least one round; got {rounds}.");
        }

        context.Progress.Report(new UnlearningProgress("probing the model", 0));
        var targets = prompt.For(request.Forget);
        // The probe holds tensors from the first compute call to the last, so it is made outside any dispose scope and
        // disposed here whatever happens in between.
        ValidationProbe? probe = null;
        try
        {
            var model = request.Original;
            UnlearningResult? result = null;
            var perRound = new List<(double Forget, double Retain)>();
            for (var round = 0; round < Rounds; round++)
            {
                var input = model;
                var current = await context.Compute(() =>
                {
                    probe ??= new ValidationProbe(request.Data);
                    // DiHyFo-1's "current losses" are measured on the validation split, a held-out split like the test split
                    // the checkpoint dataset's losses come from, so the condition is in distribution without touching T.
                    return variant == 1 ? probe.ClassLosses(input) : null;
                }, cancellation);
                var conditions = new SamplingConditions(targets, variant == 1 ? input : null, current);
                var rows = await sampler.Sample(conditions, candidates, request.Seed + (round * 7919), context, cancellation);
                if (rows.Length == 0 || rows.Any(r => r.Length != request.Layout.Count))
                {
                    throw new InvalidDataException(
                        $"The sampler returned {rows.Length} rows of lengths {string.Join(", ", rows.Select(r => r.Length).Distinct())}; expected {candidates} rows of {request.Layout.Count} parameters ({request.Layout.Architecture}).");
                }

                context.Progress.Report(new UnlearningProgress("selecting a candidate", (double)round / Rounds));
                result = await context.Compute(() => Select(request, probe!, targets, current, rows), cancellation);
                model = result.Parameters;
                perRound.Add(((double)result.Details["validation_forget_accuracy"], (double)result.Details["validation_retain_accuracy"]));
            }

            context.Progress.Report(new UnlearningProgress("selecting a candidate", 1));
            if (perRound.Count > 1)
            {
                var details = new Dictionary<string, object>(result!.Details)
                {
                    ["rounds_run"] = perRound.Count,
                    ["validation_forget_accuracy_per_round"] = perRound.Select(r => r.Forget).ToArray(),
                    ["validation_retain_accuracy_per_round"] = perRound.Select(r => r.Retain).ToArray(),
                };
                result = result with { Details = details };
            }

            return result!;
        }
        finally
        {
            probe?.Dispose();
        }
    }

    /// <summary>Best-of-N on the validation split, and every detail the report records about it.</summary>
    private UnlearningResult Select(UnlearningRequest request, ValidationProbe probe, float[] targets, float[]? current, float[][] rows)
    {
        using var sampled = tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, request.Layout.Count]);
        var (forget, retain, entropy) = probe.AccuracyAndForgetEntropy(sampled);

        var paperChoice = CandidateSelection.Best(forget, retain);
        var best = paperChoice;
        var matches = reference?.For(request.Forget);
        var neverLearnedEntropy = double.NaN;
        double[]? divergence = null;
        if (matches is { Count: > 0 } m)
        {
            double[] referenceEntropy;
            using (var scope = NewDisposeScope())
            {
                var references = tensor(m.Rows, [m.Count, request.Layout.Count]);
                referenceEntropy = probe.ForgetEntropy(references);
                // The median over the references: a typical never-learned net, not their average prediction (the mean
                // divergence favours the smoothest candidate, which then looks less trained than a retrained model).
                divergence = probe.DivergenceTo(sampled, references)
                    .Select(toEach => (double)TargetLossPrompt.Quantile(toEach.Select(d => (float)d).ToList(), 0.5)).ToArray();
            }

            neverLearnedEntropy = TargetLossPrompt.Quantile(referenceEntropy.Select(e => (float)e).ToList(), 0.5);
            best = CandidateSelection.Best(forget, retain, divergence, retainTolerance);
        }

        var details = new Dictionary<string, object>
        {
            ["target_losses"] = targets,
            ["prompt_forget_evidence_checkpoints"] = prompt.ForgetEvidence,
            ["prompt_forget_fallback"] = prompt.ForgetFallback,
            ["prompt_dataset_checkpoints"] = prompt.Checkpoints,
            ["sampler_seed"] = request.Seed,
            ["candidates_sampled"] = rows.Length,
            ["candidates_at_target_forget_accuracy"] = forget.Count(f => f <= request.TargetForgetAccuracy),
            ["candidate_mean_validation_forget_accuracy"] = forget.Average(),
            ["candidate_mean_validation_retain_accuracy"] = retain.Average(),
            ["selected_candidate"] = best,
            ["validation_forget_accuracy"] = forget[best],
            ["validation_retain_accuracy"] = retain[best],
            ["validation_forget_entropy"] = entropy[best],
            ["paper_rule_candidate"] = paperChoice,
            ["paper_rule_validation_forget_entropy"] = entropy[paperChoice],
        };
        if (matches is { Count: > 0 })
        {
            details["never_learned_checkpoints"] = matches.Matches;
            details["never_learned_pivots_only"] = matches.PivotsOnly;
            details["never_learned_validation_forget_entropy"] = (float)neverLearnedEntropy;
            details["validation_divergence_to_never_learned"] = divergence![best];
            details["paper_rule_validation_divergence_to_never_learned"] = divergence[paperChoice];
        }

        if (current is not null)
        {
            details["current_losses_validation"] = current;
        }

        foreach (var (key, value) in sampler.Describe(best, rows.Length))
        {
            details[key] = value;
        }

        return new UnlearningResult(rows[best], Needs, details)
        {
            Candidates = rows.Select((row, i) => new SampledCandidate(row, forget[i], retain[i], divergence?[i])).ToArray(),
        };
    }
}
