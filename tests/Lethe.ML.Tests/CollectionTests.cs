using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using static TorchSharp.torch;

namespace Lethe.ML.Tests;

public class CollectionTests
{
    private static readonly Lazy<DigitsDataset> Digits = new(() => DigitsSource.Load("npm"));

    private static CollectionSpec Small(int runs = 4, int epochs = 1) => new() { Runs = runs, Epochs = epochs, RunsPerShard = 2 };

    [Fact]
    public void Stored_class_losses_equal_an_independent_recomputation_with_the_module()
    {
        var spec = Small(runs: 6);
        var batch = new VectorizedCollector(Digits.Value, spec).Collect(spec.PlanRuns());
        var test = Digits.Value.For(spec.Task).Test;
        using var images = test.ImagesTensor();
        using var labels = test.LabelsTensor();

        for (var row = 0; row < batch.Count; row += 5)
        {
            using var scope = NewDisposeScope();
            using var mlp = new Mlp(spec.Task.Architecture);
            mlp.LoadFlat(batch.ParamsOf(row).ToArray());
            var logits = mlp.forward(images);
            for (var c = 0; c < 4; c++)
            {
                var members = labels.eq(c);
                var loss = nn.functional.cross_entropy(logits[members], labels[members]).item<float>();
                var accuracy = logits[members].argmax(1).eq(c).to(ScalarType.Float32).mean().item<float>();
                Assert.Equal(loss, batch.ClassLossOf(row)[c], 3);
                Assert.Equal(accuracy, batch.ClassAccOf(row)[c], 4);
            }
        }
    }

    [Fact]
    public void Vectorized_engine_saves_what_the_per_run_autograd_loop_saves()
    {
        var spec = Small(runs: 3, epochs: 2);
        var runs = spec.PlanRuns();

        var loop = new PerRunCollector(Digits.Value, spec).Collect(runs);
        var vector = new VectorizedCollector(Digits.Value, spec).Collect(runs);

        Assert.Equal(loop.Run.Zip(loop.Step), vector.Run.Zip(vector.Step));
        for (var i = 0; i < loop.Params.Length; i++)
        {
            Assert.True(Math.Abs(loop.Params[i] - vector.Params[i]) < 1e-4, $"parameter {i}: {loop.Params[i]} vs {vector.Params[i]}");
        }
    }

    [Fact]
    public void A_run_trains_the_same_whichever_runs_share_its_batch()
    {
        var spec = Small(runs: 4);
        var collector = new VectorizedCollector(Digits.Value, spec);

        var together = collector.Collect(spec.PlanRuns());
        var alone = collector.Collect([spec.PlanRun(2)]);

        var rows = Enumerable.Range(0, together.Count).Where(i => together.Run[i] == 2).ToArray();
        Assert.Equal(alone.Step, rows.Select(i => together.Step[i]));
        // Equal up to float32 rounding: matmul blocking differs with the number of stacked runs.
        var companions = rows.SelectMany(i => together.ParamsOf(i).ToArray()).ToArray();
        Assert.All(alone.Params.Zip(companions), p => Assert.True(Math.Abs(p.First - p.Second) < 1e-5));
    }

    [Fact]
    public void Every_run_keeps_its_random_initialisation()
    {
        var spec = Small(runs: 5);
        var batch = new VectorizedCollector(Digits.Value, spec).Collect(spec.PlanRuns());
        var layout = ParameterLayout.For(spec.Task.Architecture);

        foreach (var run in spec.PlanRuns())
        {
            var init = Enumerable.Range(0, batch.Count).Single(i => batch.Run[i] == run.Index && batch.Step[i] == 0);
            Assert.Equal(layout.InitialParameters(run.Seed), batch.ParamsOf(init).ToArray());
        }
    }

    [Fact]
    public void Dataset_has_accurate_pivot_models_that_never_learned_each_non_pivot_class()
    {
        var spec = new CollectionSpec { Runs = 32, Epochs = 3 };
        var batch = new VectorizedCollector(Digits.Value, spec).Collect(spec.PlanRuns());

        var summary = DatasetSummary.Of(batch, spec.Task, spec.PivotAccuracy);

        Assert.All(spec.Task.NonPivots, c => Assert.True(summary.HighLossWithAccuratePivots[c] > 0, $"class {c} is never at high loss with accurate pivots"));
        Assert.Contains(spec.PlanRuns(), r => r.ClassWeights.Contains(0f));
        Assert.Contains(spec.PlanRuns(), r => r.DropFromEpoch >= 0);
    }

    [Fact]
    public void Summary_counts_the_nets_that_lack_only_one_class_and_their_accuracy_on_the_others()
    {
        // mnist4: pivots 0 and 1, non-pivots 2 and 3.
        float[][] acc =
        [
            [0.9f, 0.9f, 0.01f, 0.8f],  // without class 2: others .8667
            [0.9f, 0.95f, 0.02f, 0.95f], // without class 2: others .9333
            [0.9f, 0.9f, 0.01f, 0.5f],  // class 3 not learned enough: neither
            [0.9f, 0.9f, 0.9f, 0.9f],   // everything learned
            [0.6f, 0.9f, 0.01f, 0.9f],  // a pivot not learned enough
            [0.9f, 0.9f, 0.9f, 0f],     // without class 3: others .9
        ];
        var n = acc.Length;
        var batch = new CheckpointBatch(n, 1, 4, new float[n], Enumerable.Repeat(0.5f, n * 4).ToArray(), acc.SelectMany(a => a).ToArray(),
            Enumerable.Range(0, n).ToArray(), new int[n], new int[n]);

        var summary = DatasetSummary.Of(batch, TaskPreset.Get("mnist4"), 0.8);

        var two = summary.WithoutClass[2];
        Assert.Equal(2, two.Checkpoints);
        Assert.InRange(two.MedianRetainAccuracy, 0.866, 0.867);
        Assert.Equal((0.9 + 0.95 + 0.95) / 3, two.MaxRetainAccuracy, 5);
        var three = summary.WithoutClass[3];
        Assert.Equal(1, three.Checkpoints);
        Assert.InRange(three.MedianRetainAccuracy, 0.899, 0.901);
        Assert.Equal(0.9, three.MaxRetainAccuracy, 5);
        Assert.Equal([2, 3], summary.WithoutClass.Keys.Order());
        // DiHyFo's references are stricter (final checkpoints, <= 1% on the class, >= 80% on the others): the second
        // net lacking class 2 is 2% accurate on it.
        Assert.Equal(new RetrainLikeCount(1, false), summary.RetrainLike[2]);
        Assert.Equal(new RetrainLikeCount(1, false), summary.RetrainLike[3]);
    }

    [Fact]
    public void Rerunning_a_job_skips_verified_shards_and_rebuilds_a_corrupted_one_identically()
    {
        var path = Directory.CreateTempSubdirectory("lethe-job-").FullName;
        try
        {
            var spec = Small(runs: 4);
            new ShardedCollection(spec, ShardFolder.Open(path, create: true), Digits.Value).Run();
            var first = ShardFolder.Open(path).Manifest;
            Assert.Equal(2, first.Shards.Count);
            Assert.Empty(new ShardedCollection(spec, ShardFolder.Open(path), Digits.Value).PendingShards());

            var corrupted = Path.Combine(path, first.Shards[1].Name);
            var bytes = File.ReadAllBytes(corrupted);
            bytes[^1] ^= 0xff;
            File.WriteAllBytes(corrupted, bytes);
            var job = new ShardedCollection(spec, ShardFolder.Open(path), Digits.Value);
            Assert.Equal([1], job.PendingShards());
            job.Run();

            Assert.Equal(first.Shards.Select(s => s.Sha256), ShardFolder.Open(path).Manifest.Shards.Select(s => s.Sha256));
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public void A_folder_of_another_job_is_refused()
    {
        var path = Directory.CreateTempSubdirectory("lethe-job-").FullName;
        try
        {
            new ShardedCollection(Small(runs: 2), ShardFolder.Open(path, create: true), Digits.Value).Run();

            var error = Assert.Throws<InvalidOperationException>(() => new ShardedCollection(Small(runs: 3), ShardFolder.Open(path), Digits.Value));
            Assert.Contains(Small(runs: 2).Id, error.Message);
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public void Trajectory_collection_keeps_the_initialisation_and_every_epoch_end_of_every_run_and_nothing_else()
    {
        var spec = Small(runs: 3, epochs: 4) with { Trajectories = true };
        var batch = new VectorizedCollector(Digits.Value, spec).Collect(spec.PlanRuns());
        var stepsPerEpoch = new TrainingSchedule(spec, Digits.Value.For(spec.Task).Train.Count).StepsPerEpoch;
        foreach (var (run, rows) in batch.ByRun())
        {
            Assert.Equal(new[] { 0, 1, 2, 3, 4 }.Select(e => e * stepsPerEpoch), rows.Step.Order());
        }

        Assert.Equal(3, batch.ByRun().Count);

        // Training is unchanged: every epoch-end state an ordinary collection of the same runs kept is in the trajectory.
        var ordinary = new VectorizedCollector(Digits.Value, spec with { Trajectories = false }).Collect(spec.PlanRuns());
        var compared = 0;
        for (var row = 0; row < ordinary.Count; row++)
        {
            if (ordinary.Step[row] % stepsPerEpoch == 0)
            {
                var trajectory = batch.ByRun()[ordinary.Run[row]];
                var match = Enumerable.Range(0, trajectory.Count).Single(i => trajectory.Step[i] == ordinary.Step[row]);
                Assert.Equal(ordinary.ParamsOf(row).ToArray(), trajectory.ParamsOf(match).ToArray());
                compared++;
            }
        }

        Assert.True(compared >= 3, $"only {compared} epoch-end checkpoints to compare");

        Assert.DoesNotContain(nameof(CollectionSpec.Trajectories), new CollectionSpec().ToJson());
        Assert.NotEqual((spec with { Trajectories = false }).Id, spec.Id);
    }

    [Fact]
    public void Retrained_twins_repeat_the_run_before_them_from_the_same_start_without_some_of_its_learned_classes()
    {
        var spec = Small(runs: 8, epochs: 2) with { RetrainedTwins = true };
        var runs = spec.PlanRuns();
        for (var i = 1; i < runs.Count; i += 2)
        {
            var (run, twin) = (runs[i - 1], runs[i]);
            Assert.Equal((run.Seed, run.LearningRate, run.RandomSaves), (twin.Seed, twin.LearningRate, twin.RandomSaves));
            Assert.Equal(run.ClassWeights, twin.ClassWeights);
            var learned = spec.Task.NonPivots.Where(c => run.ClassWeights[c] > 0).ToArray();
            if (learned.Length == 0)
            {
                Assert.Empty(twin.DropClasses);
                continue;
            }

            Assert.Equal(0, twin.DropFromEpoch);
            Assert.NotEmpty(twin.DropClasses);
            Assert.All(twin.DropClasses, c => Assert.Contains(c, learned));
            if (run.DropClasses.Length > 0)
            {
                Assert.Equal(run.DropClasses, twin.DropClasses);
            }
        }

        // The option is left out of the hash when off, so jobs collected before it keep their ids.
        Assert.DoesNotContain(nameof(CollectionSpec.RetrainedTwins), new CollectionSpec().ToJson());
        Assert.NotEqual(Small().Id, spec.Id);

        var batch = new VectorizedCollector(Digits.Value, spec).Collect(runs);
        var layout = ParameterLayout.For(spec.Task.Architecture);
        var normalizer = new ParameterNormalizer(layout, Enumerable.Repeat(1f, layout.Tensors.Count).ToArray());
        var (train, _) = CheckpointRuns.Split(batch, normalizer, perClassLosses: true, heldOutFraction: 0.1);
        Assert.Equal([(0, 1), (2, 3), (4, 5)], PairSampler.FindTwins(train));
    }

    [Fact]
    public void A_class_whose_every_test_sample_is_right_reads_exactly_one_in_a_shard_row()
    {
        // Every test image of a class is the same image, so a net gets either all or none of a class right and every
        // stored accuracy must be exactly 0 or 1. The class sizes are like the npm digits' (~200), where a float mean of
        // 0/1 values stored 1.0000018.
        var data = new DigitsDataset(ClassPatterns([64, 64, 64, 64]), ClassPatterns([203, 197, 211, 189]), "one image per class");
        var spec = Small(runs: 4, epochs: 2);
        var path = Directory.CreateTempSubdirectory("lethe-job-").FullName;
        try
        {
            new ShardedCollection(spec, ShardFolder.Open(path, create: true), data).Run();
            var batch = ShardFolder.Open(path).ReadAll();

            var accuracies = Enumerable.Range(0, batch.Count).SelectMany(row => batch.ClassAccOf(row).ToArray()).ToArray();
            Assert.All(accuracies, a => Assert.True(a is 0f or 1f, $"class accuracy {a:R} is neither 0 nor 1"));
            Assert.Contains(1f, accuracies);
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary><paramref name="counts"/>[c] copies of one image per class c: a bright horizontal band at a height of its own.</summary>
    private static LabeledImages ClassPatterns(int[] counts)
    {
        var labels = counts.SelectMany((count, c) => Enumerable.Repeat(c, count)).ToArray();
        var pixels = new float[labels.Length * TaskPreset.ImageSize];
        for (var i = 0; i < labels.Length; i++)
        {
            var band = 28 * 7 * labels[i];
            Array.Fill(pixels, 1f, (i * TaskPreset.ImageSize) + band, 28 * 7);
        }

        return new LabeledImages(pixels, labels);
    }

    [Fact]
    public void Job_id_is_a_hash_of_the_spec()
    {
        Assert.Equal(Small().Id, Small().Id);
        Assert.NotEqual(Small().Id, Small(runs: 5).Id);
        Assert.Equal(16, Small().Id.Length);
    }

    [Fact]
    public void Invalid_specs_say_what_is_accepted()
    {
        Assert.Contains("--runs", Assert.Throws<ArgumentException>(() => new CollectionSpec { Runs = 0 }.Validated()).Message);
        Assert.Contains("accepted", Assert.Throws<ArgumentException>(() => new CollectionSpec { Preset = "x" }.Validated()).Message);
        Assert.Contains("class 9", Assert.Throws<ArgumentException>(() => new CollectionSpec { Pivots = [9] }.Validated()).Message);
    }

    [Fact]
    public void Planned_runs_never_see_and_undersample_each_non_pivot_class_at_the_specs_rates()
    {
        var spec = CollectionSpec.ForPreset("mnist") with { Runs = 4000 };
        var weights = spec.PlanRuns().SelectMany(run => spec.Task.NonPivots.Select(c => run.ClassWeights[c])).ToList();

        Assert.Equal(5, spec.Task.NonPivots.Length);
        Assert.InRange(weights.Count(w => w == 0) / (double)weights.Count, 0.28, 0.32);
        Assert.InRange(weights.Count(w => w is > 0 and < 1) / (double)weights.Count, 0.09, 0.11);
        Assert.InRange(weights.Count(w => w == 1) / (double)weights.Count, 0.58, 0.62);
    }
}

