using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

/// <summary>
/// Tiny DiHyFo-1 and DiHyFo-2 hypernetworks trained once (a few steps on synthetic MNIST-4 checkpoints) and the
/// checkpoint folder they came from, written as 'lethe collect' writes it. DiHyFo-1 is trained with condition dropout
/// (it can be guided), DiHyFo-2 without.
/// </summary>
public sealed class TinyHypernets : IDisposable
{
    public TinyHypernets()
    {
        Root = Path.Combine(Path.GetTempPath(), $"lethe-dihyfo-tests-{Guid.NewGuid():N}");
        Checkpoints = Path.Combine(Root, "checkpoints");
        var task = TaskPreset.Mnist4;
        var batch = SyntheticCheckpoints.Create(task, runs: 12, perRun: 6, seed: 3);
        var spec = new CollectionSpec { Preset = task.Name, Runs = 12 }.Validated();
        ShardFolder.Open(Checkpoints, create: true).Add(
            "shard-00000.safetensors", ShardFile.Serialize(batch, ShardedCollection.Metadata(spec, "npm", 0)), batch.Count, 0, 11, ShardedCollection.Metadata(spec, "npm"));
        foreach (var variant in UnlearningMethodCatalog.HypernetMethods)
        {
            var options = HypernetOptions.ForPreset("tiny", variant) with
            {
                Steps = 20, EvaluateEvery = 20, CheckpointEvery = 20, LogEvery = 10, ConditionDropout = variant == "dihyfo1" ? 0.2 : 0,
            };
            using var trainer = HypernetTrainer.Open(Folder(variant), options, task, batch, "synthetic", SyntheticCheckpoints.Images(task, 40, 3));
            trainer.Advance(options.Steps);
        }
    }

    public string Root { get; }

    public string Checkpoints { get; }

    public string Folder(string variant) => Path.Combine(Root, variant);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public sealed class DiHyFoHypernetTests(TinyHypernets hypernets) : IClassFixture<TinyHypernets>
{
    private static readonly InlineUnlearningContext Inline = new();

    [Theory]
    [InlineData("dihyfo1")]
    [InlineData("dihyfo2")]
    public async Task Sampling_the_plan_batch_by_batch_elsewhere_gives_the_same_rows_bit_for_bit(string variant)
    {
        using var local = DiHyFoHypernet.Load(variant, hypernets.Folder(variant), hypernets.Checkpoints, TaskPreset.Mnist4, candidates: 20, steps: 3);
        // A second copy of the same hypernetwork stands for a sampler on another silo; it samples the batches last first.
        using var remote = DiHyFoHypernet.Load(variant, hypernets.Folder(variant), hypernets.Checkpoints, TaskPreset.Mnist4, candidates: 20, steps: 3);
        var conditions = new SamplingConditions(local.Prompt.For([2]), TinyTask.Original, [0.1f, 0.1f, 0.2f, 0.2f]);
        var plan = local.Sampler.Plan(20, seed: 11);

        var whole = await local.Sampler.Sample(conditions, 20, 11, Inline, CancellationToken.None);
        var batches = plan.Batches.Reverse().ToDictionary(b => b.Index, b => remote.Sampler.SampleBatch(conditions, b));
        var joined = plan.Batches.SelectMany(b => batches[b.Index]).ToArray();

        Assert.True(plan.Batches.Count > 1, "the plan should have several batches");
        Assert.Equal(20, whole.Length);
        Assert.Equal(whole.Length, joined.Length);
        for (var row = 0; row < whole.Length; row++)
        {
            Assert.True(whole[row].AsSpan().SequenceEqual(joined[row]), $"row {row} differs");
        }
    }

    [Fact]
    public async Task The_local_sampler_reports_progress_per_batch_and_stops_between_batches_when_cancelled()
    {
        using var loaded = DiHyFoHypernet.Load("dihyfo2", hypernets.Folder("dihyfo2"), hypernets.Checkpoints, TaskPreset.Mnist4, candidates: 20, steps: 2);
        var conditions = new SamplingConditions(loaded.Prompt.For([2]));
        var seen = new List<UnlearningProgress>();
        await loaded.Sampler.Sample(conditions, 20, 1, new InlineUnlearningContext(seen.Add), CancellationToken.None);
        Assert.Equal([0, 0.4, 0.8, 1], seen.Select(p => p.Fraction));
        Assert.All(seen, p => Assert.Equal("sampling candidates", p.Stage));

        using var cancel = new CancellationTokenSource();
        var reports = 0;
        var cancelling = new InlineUnlearningContext(p =>
        {
            if (++reports == 2)
            {
                cancel.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loaded.Sampler.Sample(conditions, 20, 1, cancelling, cancel.Token));
        Assert.Equal(2, reports);
    }

    [Theory]
    [InlineData("dihyfo1")]
    [InlineData("dihyfo2")]
    public async Task Trained_hypernetwork_samples_candidates_in_the_task_net_layout_reproducibly(string variant)
    {
        using var loaded = DiHyFoHypernet.Load(variant, hypernets.Folder(variant), hypernets.Checkpoints, TaskPreset.Mnist4, candidates: 3, steps: 5);
        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        var conditions = new SamplingConditions(loaded.Prompt.For([2]), TinyTask.Original, [0.1f, 0.1f, 0.2f, 0.2f]);

        var rows = await loaded.Sampler.Sample(conditions, 3, 7, Inline, CancellationToken.None);

        Assert.Equal(3, rows.Length);
        Assert.All(rows, r => Assert.Equal(layout.Count, r.Length));
        Assert.All(rows, r => Assert.All(r, v => Assert.True(float.IsFinite(v))));
        Assert.Equal(rows, await loaded.Sampler.Sample(conditions, 3, 7, Inline, CancellationToken.None));
    }

    [Theory]
    [InlineData("dihyfo1")]
    [InlineData("dihyfo2")]
    public async Task DiHyFo_method_backed_by_a_hypernetwork_returns_one_of_its_candidates_and_records_the_prompt(string variant)
    {
        using var loaded = DiHyFoHypernet.Load(variant, hypernets.Folder(variant), hypernets.Checkpoints, TaskPreset.Mnist4, candidates: 4, steps: 5);

        var result = await TinyTask.Unlearn(loaded.Method, new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1));

        Assert.Equal(ParameterLayout.For(TaskPreset.Mnist4.Architecture).Count, result.Parameters.Length);
        Assert.Equal(4, result.Details["candidates_sampled"]);
        Assert.Equal(loaded.Prompt.For([2]), result.Details["target_losses"]);
        Assert.Equal(loaded.ModelPath, loaded.Method.HyperParameters["hypernet"]);
    }

    [Fact]
    public void Prompt_quantiles_reach_the_prompt_and_a_quantile_outside_zero_to_one_is_refused_naming_it()
    {
        using var low = DiHyFoHypernet.Load("dihyfo2", hypernets.Folder("dihyfo2"), hypernets.Checkpoints, TaskPreset.Mnist4, candidates: 2, steps: 2, retainQuantile: 0, forgetQuantile: 0.2);
        using var high = DiHyFoHypernet.Load("dihyfo2", hypernets.Folder("dihyfo2"), hypernets.Checkpoints, TaskPreset.Mnist4, candidates: 2, steps: 2, retainQuantile: 1, forgetQuantile: 0.8);
        Assert.Equal((0.0, 0.2), (low.Prompt.RetainQuantile, low.Prompt.ForgetQuantile));
        Assert.Equal((1.0, 0.8), (high.Prompt.RetainQuantile, high.Prompt.ForgetQuantile));
        Assert.All(low.Prompt.RetainTarget.Zip(high.Prompt.RetainTarget), p => Assert.True(p.First <= p.Second));
        Assert.True(low.Prompt.RetainTarget.Zip(high.Prompt.RetainTarget).Any(p => p.First < p.Second), "the lowest and highest retain quantiles gave the same targets");

        var error = Assert.Throws<ArgumentException>(() => DiHyFoHypernet.Load("dihyfo2", hypernets.Folder("dihyfo2"), hypernets.Checkpoints, TaskPreset.Mnist4, retainQuantile: 1.5));
        Assert.Contains("retain 1.5", error.Message);
    }

    [Fact]
    public async Task A_guided_hypernetwork_spreads_its_candidates_over_the_guidance_ladder_and_the_method_records_the_chosen_scale()
    {
        using var loaded = DiHyFoHypernet.Load("dihyfo1", hypernets.Folder("dihyfo1"), hypernets.Checkpoints, TaskPreset.Mnist4, candidates: 9, steps: 4);
        var conditions = new SamplingConditions(loaded.Prompt.For([2]), TinyTask.Original, [0.1f, 0.1f, 0.2f, 0.2f]);

        var rows = await loaded.Sampler.Sample(conditions, 9, 3, Inline, CancellationToken.None);

        Assert.Equal(HypernetParameterSampler.DefaultLadder, loaded.Sampler.Guidances);
        // 9 candidates over 7 scales: two at 1, two at 1.5, one at each other scale, in ladder order.
        Assert.Equal([1, 1, 1.5, 1.5, 2, 3, 4, 6, 8], Enumerable.Range(0, 9).Select(i => loaded.Sampler.GuidanceOf(i, 9)));
        var sample = new SampleConditions(conditions.TargetLosses, conditions.CurrentParameters, conditions.CurrentLosses);
        // One batch per scale here (at most 8 rows each): batch 1 holds the two rows at 1.5, batch 6 the one at 8.
        Assert.Equal(loaded.Model.Sample(sample, 2, CandidatePlan.BatchSeed(3, 1), 4, guidance: 1.5), rows[2..4]);
        Assert.Equal(loaded.Model.Sample(sample, 1, CandidatePlan.BatchSeed(3, 6), 4, guidance: 8), rows[8..]);
        Assert.NotEqual(rows[0], rows[8]);
        var result = await TinyTask.Unlearn(loaded.Method, new UnlearningRequest(TinyTask.Original, TinyTask.Split([2]), 1));
        Assert.Equal(loaded.Sampler.GuidanceOf((int)result.Details["selected_candidate"], 9), result.Details["selected_guidance"]);
    }

    [Fact]
    public void An_unguided_hypernetwork_samples_at_scale_one_and_refuses_other_scales()
    {
        using var loaded = DiHyFoHypernet.Load("dihyfo2", hypernets.Folder("dihyfo2"), hypernets.Checkpoints, TaskPreset.Mnist4, candidates: 2, steps: 2);
        Assert.Equal([1.0], loaded.Sampler.Guidances);

        var error = Assert.Throws<ArgumentException>(() => DiHyFoHypernet.Load("dihyfo2", hypernets.Folder("dihyfo2"), hypernets.Checkpoints, TaskPreset.Mnist4, guidance: [1, 2]));
        Assert.Contains("condition dropout", error.Message);
    }

    [Fact]
    public void Hypernetwork_of_the_other_variant_is_rejected_naming_both()
    {
        var error = Assert.Throws<ArgumentException>(() => DiHyFoHypernet.Load("dihyfo1", hypernets.Folder("dihyfo2"), hypernets.Checkpoints, TaskPreset.Mnist4));
        Assert.Contains("is a dihyfo2 hypernetwork; --method dihyfo1 needs a dihyfo1 one", error.Message);
    }

    [Fact]
    public void Hypernetwork_of_another_preset_is_rejected_naming_both_architectures()
    {
        var error = Assert.Throws<InvalidDataException>(() => DiHyFoHypernet.Load("dihyfo2", hypernets.Folder("dihyfo2"), hypernets.Checkpoints, TaskPreset.Mnist));
        Assert.Contains("samples mnist4 nets (784-2-4); the model to unlearn is mnist (784-7-10)", error.Message);
    }

    [Fact]
    public void Missing_hypernetwork_is_rejected_with_the_command_that_trains_one()
    {
        var error = Assert.Throws<FileNotFoundException>(() => DiHyFoHypernet.Load("dihyfo1", Path.Combine(hypernets.Root, "absent"), hypernets.Checkpoints, TaskPreset.Mnist4));
        Assert.Contains("lethe train --variant dihyfo1", error.Message);
    }

    [Fact]
    public void Missing_checkpoint_folder_is_rejected_before_the_hypernetwork_loads()
    {
        var error = Assert.Throws<FileNotFoundException>(() => DiHyFoHypernet.Load("dihyfo2", hypernets.Folder("dihyfo2"), Path.Combine(hypernets.Root, "absent"), TaskPreset.Mnist4));
        Assert.Contains("no manifest.json", error.Message);
    }
}
