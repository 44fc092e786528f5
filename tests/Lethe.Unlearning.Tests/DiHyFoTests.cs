using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

public sealed class DiHyFoTests
{
    private static readonly Lazy<float[]> Retrained = new(() =>
        OriginalModelTrainer.Train(TinyTask.Split([2]).RetainTrain, TaskPreset.Mnist4.Architecture, TinyTask.Recipe, seed: 31));

    /// <summary>Losses per class 0..3 of six checkpoints; class 2 never learned in rows 3-5 (accuracy 0, pivots accurate).</summary>
    private static CheckpointBatch Checkpoints()
    {
        float[] loss =
        [
            0.1f, 0.1f, 0.2f, 0.3f,
            0.2f, 0.1f, 0.4f, 0.5f,
            0.3f, 0.2f, 0.6f, 0.7f,
            0.1f, 0.1f, 5.0f, 0.3f,
            0.1f, 0.2f, 7.0f, 0.4f,
            0.2f, 0.1f, 9.0f, 0.2f,
        ];
        float[] acc =
        [
            0.99f, 0.99f, 0.95f, 0.9f,
            0.98f, 0.99f, 0.9f, 0.85f,
            0.95f, 0.97f, 0.8f, 0.8f,
            0.99f, 0.99f, 0f, 0.9f,
            0.99f, 0.98f, 0f, 0.9f,
            0.97f, 0.99f, 0f, 0.95f,
        ];
        var p = ParameterLayout.For(TaskPreset.Mnist4.Architecture).Count;
        return new CheckpointBatch(6, p, 4, new float[6 * p], loss, acc, [0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], [0, 0, 0, 0, 0, 0]);
    }

    [Fact]
    public void Prompt_takes_retain_losses_at_a_low_quantile_and_forget_losses_from_never_learned_checkpoints()
    {
        var prompt = TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4, retainQuantile: 0, forgetQuantile: 0.5);
        Assert.Equal(0.2f, prompt.RetainTarget[2]);
        Assert.Equal(7.0f, prompt.ForgetTarget[2]);
        Assert.Equal(3, prompt.ForgetEvidence[2]);
        Assert.False(prompt.ForgetFallback[2]);
        Assert.True(prompt.ForgetFallback[3], "class 3 is learned in every checkpoint");
        Assert.Equal([0.1f, 0.1f, 7.0f, 0.2f], prompt.For([2]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Selection_keeps_the_candidate_with_zero_forget_accuracy_and_the_best_retain_accuracy(int variant)
    {
        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        // Candidates: the original (knows class 2), an all-zero net (always predicts class 0: forgets 2 but keeps
        // little), a model retrained without class 2 (forgets 2, keeps the rest), random initialisation.
        float[][] candidates = [TinyTask.Original, new float[layout.Count], Retrained.Value, layout.InitialParameters(9)];
        SamplingConditions? seen = null;
        var sampler = new DelegateCandidateSampler((conditions, count, seed) =>
        {
            seen = conditions;
            return candidates;
        });
        var prompt = TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4);
        var method = new DiHyFoMethod(variant, sampler, prompt, candidates: 4);
        var result = await TinyTask.Unlearn(method, new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1));

        Assert.Equal(2, result.Details["selected_candidate"]);
        Assert.Same(candidates[2], result.Parameters);
        Assert.Equal(0.0, (double)result.Details["validation_forget_accuracy"]);
        Assert.Equal(prompt.For([2]), seen!.TargetLosses);
        Assert.Equal(variant == 1, seen.CurrentParameters is not null);
        Assert.Equal(variant == 1 ? 4 : 0, seen.CurrentLosses?.Length ?? 0);
        Assert.Equal($"dihyfo{variant}", method.Name);
    }

    [Fact]
    public async Task DiHyFo_1_conditions_on_the_models_current_validation_losses()
    {
        SamplingConditions? seen = null;
        var sampler = new DelegateCandidateSampler((conditions, count, seed) =>
        {
            seen = conditions;
            return [TinyTask.Original];
        });
        var split = TinyTask.Split([2]);
        await TinyTask.Unlearn(new DiHyFoMethod(1, sampler, TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4), candidates: 1),
            new UnlearningRequest(TinyTask.Original, split, 1));
        using var probe = new ValidationProbe(split);
        Assert.Equal(probe.ClassLosses(TinyTask.Original), seen!.CurrentLosses);
        Assert.Equal(TinyTask.Original, seen.CurrentParameters);
    }

    [Fact]
    public async Task Recursive_DiHyFo_1_conditions_each_round_on_the_previous_rounds_choice_with_a_fresh_seed()
    {
        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        var seen = new List<(SamplingConditions Conditions, int Seed)>();
        // Round 1 offers the original and a net retrained without class 2 (chosen); round 2 offers random nets and the original.
        var sampler = new DelegateCandidateSampler((conditions, count, seed) =>
        {
            seen.Add((conditions, seed));
            return seen.Count == 1 ? [TinyTask.Original, Retrained.Value] : [layout.InitialParameters(3), TinyTask.Original];
        });
        var split = TinyTask.Split([2]);
        var method = new DiHyFoMethod(1, sampler, TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4), candidates: 2, rounds: 2);
        var result = await TinyTask.Unlearn(method, new UnlearningRequest(TinyTask.Original, split, 5));

        Assert.Equal(2, seen.Count);
        Assert.Equal(TinyTask.Original, seen[0].Conditions.CurrentParameters);
        Assert.Same(Retrained.Value, seen[1].Conditions.CurrentParameters);
        using (var probe = new ValidationProbe(split))
        {
            Assert.Equal(probe.ClassLosses(Retrained.Value), seen[1].Conditions.CurrentLosses);
        }

        Assert.Equal(seen[0].Conditions.TargetLosses, seen[1].Conditions.TargetLosses);
        Assert.NotEqual(seen[0].Seed, seen[1].Seed);
        Assert.Equal(2, result.Details["rounds_run"]);
        Assert.Equal(2, ((double[])result.Details["validation_forget_accuracy_per_round"]).Length);
        Assert.Equal(0.0, ((double[])result.Details["validation_forget_accuracy_per_round"])[0]);
    }

    [Fact]
    public async Task Sampler_rows_of_the_wrong_length_are_rejected()
    {
        var sampler = new DelegateCandidateSampler((_, _, _) => [new float[5]]);
        var method = new DiHyFoMethod(2, sampler, TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4), candidates: 1);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => TinyTask.Unlearn(method, new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1)));
        Assert.Contains("1582 parameters (784-2-4)", error.Message);
    }

    [Fact]
    public void Candidate_selection_prefers_lower_forget_accuracy_then_higher_retain_accuracy()
    {
        Assert.Equal(2, CandidateSelection.Best([0.5, 0.0, 0.0, 0.1], [0.99, 0.6, 0.9, 0.99]));
    }

    [Fact]
    public void Candidate_selection_with_a_distance_stays_at_the_lowest_forget_accuracy_and_within_the_retain_tolerance()
    {
        double[] forget = [0.0, 0.0, 0.0, 0.1, 0.0];
        double[] retain = [0.99, 0.985, 0.95, 0.99, 0.992];
        double[] distance = [0.5, 0.1, 0.0, 0.0, 0.4];
        // The paper's rule picks 4 (0.992); 0 and 1 are within 0.01 of it, 2 is not, 3 forgets less.
        Assert.Equal(4, CandidateSelection.Best(forget, retain));
        Assert.Equal(1, CandidateSelection.Best(forget, retain, distance, retainTolerance: 0.01));
        Assert.Equal(4, CandidateSelection.Best(forget, retain, distance, retainTolerance: 0));
    }

    [Fact]
    public void Never_learned_reference_takes_final_checkpoints_that_forgot_every_forget_class_and_kept_the_rest()
    {
        var batch = Checkpoints();
        for (var row = 0; row < batch.Count; row++)
        {
            batch.Params.AsSpan(row * batch.ParameterCount, batch.ParameterCount).Fill(row);
        }

        var reference = new NeverLearnedReference(batch, TaskPreset.Mnist4);
        // Run 1 ends at row 5 (class 2 accuracy 0, class 3 0.95); run 0 ends at row 2, which learned class 2.
        var two = reference.For([2]);
        Assert.Equal((1, 1, false), (two.Count, two.Matches, two.PivotsOnly));
        Assert.All(two.Rows, v => Assert.Equal(5f, v));
        // Nothing forgot class 3 as well, not even with only the pivots required.
        var twoThree = reference.For([2, 3]);
        Assert.Equal((0, 0, true), (twoThree.Count, twoThree.Matches, twoThree.PivotsOnly));
    }

    [Fact]
    public void Forget_entropy_of_an_all_zero_net_is_the_uniform_entropy()
    {
        using var probe = new ValidationProbe(TinyTask.Split([2]));
        var entropy = probe.ForgetEntropy(TorchSharp.torch.zeros(2, ParameterLayout.For(TaskPreset.Mnist4.Architecture).Count));
        Assert.All(entropy, h => Assert.Equal(Math.Log(4), h, 5));
    }

    /// <summary>
    /// A net with fc2 scaled by a positive factor: every prediction (so both accuracies) is kept and only the
    /// softmax sharpens.
    /// </summary>
    private static float[] Sharpened(float[] net, float factor)
    {
        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        var sharper = (float[])net.Clone();
        foreach (var name in new[] { "fc2.weight", "fc2.bias" })
        {
            var t = layout[name];
            for (var i = t.Offset; i < t.Offset + t.Count; i++)
            {
                sharper[i] *= factor;
            }
        }

        return sharper;
    }

    [Fact]
    public void Divergence_to_references_is_zero_for_the_same_net_and_grows_with_disagreement()
    {
        var count = ParameterLayout.For(TaskPreset.Mnist4.Architecture).Count;
        using var probe = new ValidationProbe(TinyTask.Split([2]));
        float[][] candidates = [Retrained.Value, Sharpened(Retrained.Value, 2), Sharpened(Retrained.Value, 4), new float[count]];
        var divergence = probe.DivergenceTo(TorchSharp.torch.tensor(candidates.SelectMany(c => c).ToArray(), [4, count]), TorchSharp.torch.tensor(Retrained.Value, [1, count]));
        Assert.All(divergence, toEach => Assert.Single(toEach));
        var toItself = divergence.Select(toEach => toEach[0]).ToArray();

        Assert.Equal(0, toItself[0], 6);
        Assert.True(toItself[1] > 1e-4 && toItself[1] < toItself[2], $"sharper predictions diverge more: {string.Join(", ", toItself)}");
        Assert.True(toItself[3] > 0, "the uniform (all-zero) net diverges from a trained one");
        Assert.All(toItself, d => Assert.InRange(d, 0, Math.Log(2) + 1e-6));

        // One figure per reference, in the references' order.
        var two = probe.DivergenceTo(TorchSharp.torch.tensor(candidates[2], [1, count]), TorchSharp.torch.tensor([.. Retrained.Value, .. candidates[2]], [2, count]));
        Assert.Equal(toItself[2], two[0][0], 6);
        Assert.Equal(0, two[0][1], 6);
    }

    [Fact]
    public async Task With_a_never_learned_reference_selection_prefers_the_candidate_that_predicts_like_nets_that_never_saw_the_class()
    {
        // The sharpened copy comes first, so the paper's rule (ties keep the earliest) would keep it.
        var confident = Sharpened(Retrained.Value, 4);

        var sampler = new DelegateCandidateSampler((_, _, _) => [confident, Retrained.Value]);
        var batch = Checkpoints();
        Retrained.Value.CopyTo(batch.Params.AsSpan(5 * batch.ParameterCount));
        var reference = new NeverLearnedReference(batch, TaskPreset.Mnist4);
        var prompt = TargetLossPrompt.FromCheckpoints(batch, TaskPreset.Mnist4);
        var request = new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1);

        var paper = await TinyTask.Unlearn(new DiHyFoMethod(2, sampler, prompt, candidates: 2), request);
        var matched = await TinyTask.Unlearn(new DiHyFoMethod(2, sampler, prompt, candidates: 2, reference: reference), request);

        Assert.Equal(0, paper.Details["selected_candidate"]);
        Assert.Equal(1, matched.Details["selected_candidate"]);
        Assert.Equal(0, matched.Details["paper_rule_candidate"]);
        Assert.True((double)matched.Details["paper_rule_validation_forget_entropy"] < (double)matched.Details["validation_forget_entropy"]);
        Assert.Equal(0, (double)matched.Details["validation_divergence_to_never_learned"], 6);
        Assert.True((double)matched.Details["paper_rule_validation_divergence_to_never_learned"] > 1e-4);

        // Every candidate comes back, in sampling order, with the figures the choice read.
        var candidates = matched.Candidates!;
        Assert.Equal(2, candidates.Count);
        Assert.Same(confident, candidates[0].Parameters);
        Assert.Same(matched.Parameters, candidates[1].Parameters);
        Assert.Equal((double)matched.Details["validation_forget_accuracy"], candidates[1].ValidationForgetAccuracy);
        Assert.Equal((double)matched.Details["validation_retain_accuracy"], candidates[1].ValidationRetainAccuracy);
        Assert.Equal((double)matched.Details["paper_rule_validation_divergence_to_never_learned"], candidates[0].DivergenceToNeverLearned);
        Assert.All(paper.Candidates!, c => Assert.Null(c.DivergenceToNeverLearned));
    }

    [Fact]
    public async Task DiHyFo_reports_its_stages_and_passes_the_context_to_the_sampler()
    {
        IUnlearningContext? given = null;
        var sampler = new ContextRecordingSampler(context => given = context, [TinyTask.Original]);
        var seen = new List<UnlearningProgress>();
        var context = new InlineUnlearningContext(seen.Add);

        await new DiHyFoMethod(2, sampler, TargetLossPrompt.FromCheckpoints(Checkpoints(), TaskPreset.Mnist4), candidates: 1)
            .UnlearnAsync(new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1), context, CancellationToken.None);

        Assert.Same(context, given);
        Assert.Equal(["probing the model", "selecting a candidate"], seen.Select(p => p.Stage).Distinct());
        Assert.Equal(1, seen[^1].Fraction);
    }

    /// <summary>Returns fixed rows and hands the context it was given to a callback.</summary>
    private sealed class ContextRecordingSampler(Action<IUnlearningContext> record, float[][] rows) : ICandidateSampler
    {
        public Task<float[][]> Sample(SamplingConditions conditions, int count, int seed, IUnlearningContext context, CancellationToken cancellation)
        {
            record(context);
            return Task.FromResult(rows);
        }

        public IReadOnlyDictionary<string, object> Describe(int row, int count) => new Dictionary<string, object>();
    }
}
