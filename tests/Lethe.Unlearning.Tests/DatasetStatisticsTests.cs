using Lethe.ML.Data;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

public sealed class DatasetStatisticsTests
{
    private static readonly TaskPreset Task = TaskPreset.Mnist4;

    /// <summary>Runs of 6 checkpoints with random losses and accuracies drawn so that every criterion has matches.</summary>
    private static CheckpointBatch Random(int runs, int seed, int firstRun = 0, int p = 7)
    {
        var rng = new Random(seed);
        var n = runs * 6;
        float[] levels = [0f, 0.005f, 0.3f, 0.85f, 1f];
        return new CheckpointBatch(n, p, 4,
            Enumerable.Range(0, n * p).Select(_ => (float)rng.NextDouble()).ToArray(),
            Enumerable.Range(0, n * 4).Select(_ => (float)(rng.NextDouble() * 5)).ToArray(),
            Enumerable.Range(0, n * 4).Select(i => i % 4 < 2 ? (rng.NextDouble() < 0.8 ? 1f : 0.5f) : levels[rng.Next(levels.Length)]).ToArray(),
            Enumerable.Range(0, n).Select(i => firstRun + (i / 6)).ToArray(),
            Enumerable.Range(0, n).Select(i => (i % 6) * 10).ToArray(),
            Enumerable.Range(0, n).Select(i => i % 6).ToArray());
    }

    /// <summary>The prompt as defined (HyperForget A.4), computed directly from every row: the reference the statistics must equal.</summary>
    private static (float[] Retain, float[] Forget, int[] Evidence) Direct(CheckpointBatch batch, double retainQuantile, double forgetQuantile)
    {
        static float Q(List<float> values, double q)
        {
            var sorted = values.Order().ToArray();
            var position = q * (sorted.Length - 1);
            var low = (int)Math.Floor(position);
            var high = Math.Min(low + 1, sorted.Length - 1);
            return (float)(sorted[low] + ((position - low) * (sorted[high] - sorted[low])));
        }

        var retain = new float[4];
        var forget = new float[4];
        var evidence = new int[4];
        for (var c = 0; c < 4; c++)
        {
            var all = new List<float>();
            var never = new List<float>();
            for (var row = 0; row < batch.Count; row++)
            {
                var acc = batch.ClassAccOf(row).ToArray();
                all.Add(batch.ClassLossOf(row)[c]);
                if (acc[c] <= 0.01 && Task.Pivots.All(p => p == c || acc[p] >= 0.8))
                {
                    never.Add(batch.ClassLossOf(row)[c]);
                }
            }

            retain[c] = Q(all, retainQuantile);
            evidence[c] = never.Count;
            forget[c] = Q(never.Count > 0 ? never : all, forgetQuantile);
        }

        return (retain, forget, evidence);
    }

    [Theory]
    [InlineData(0.15, 0.5)]
    [InlineData(0.0, 1.0)]
    [InlineData(0.37, 0.81)]
    public void The_prompt_from_statistics_equals_the_prompt_computed_from_every_checkpoint(double retainQuantile, double forgetQuantile)
    {
        var batch = Random(runs: 400, seed: 3);

        var prompt = TargetLossPrompt.FromStatistics(DatasetStatistics.Of(batch, Task), retainQuantile, forgetQuantile);

        var (retain, forget, evidence) = Direct(batch, retainQuantile, forgetQuantile);
        Assert.Equal(retain, prompt.RetainTarget);
        Assert.Equal(forget, prompt.ForgetTarget);
        Assert.Equal(evidence, prompt.ForgetEvidence);
        Assert.Contains(evidence, e => e > 0);
        Assert.Equal(batch.Count, prompt.Checkpoints);
    }

    [Fact]
    public void Statistics_computed_shard_by_shard_and_read_back_from_bytes_give_the_reference_rows_of_the_whole_dataset()
    {
        var shards = new[] { Random(runs: 50, seed: 1), Random(runs: 70, seed: 2, firstRun: 50), Random(runs: 30, seed: 4, firstRun: 120) };
        var whole = CheckpointBatch.Concat(shards);
        var reference = new NeverLearnedReference(whole, Task);

        var computed = DatasetStatistics.Compute(Task, () => shards);
        var read = DatasetStatistics.Deserialize(computed.Serialize(), "test statistics");

        foreach (var forget in new[] { new[] { 2 }, [3], [2, 3] })
        {
            var expected = reference.For(forget);
            Assert.True(expected.Count > 0, $"the synthetic data should have retrain-like rows for {{{string.Join(",", forget)}}}");
            foreach (var statistics in new[] { computed, read })
            {
                var actual = statistics.For(forget);
                Assert.Equal(expected.Count, actual.Count);
                Assert.Equal(expected.Matches, actual.Matches);
                Assert.Equal(expected.PivotsOnly, actual.PivotsOnly);
                Assert.Equal(expected.Rows, actual.Rows);
            }
        }

        Assert.Equal(TargetLossPrompt.FromCheckpoints(whole, Task).ForgetTarget, TargetLossPrompt.FromStatistics(read).ForgetTarget);
        Assert.Equal(Enumerable.Range(0, 150).ToArray(), read.RunIds);
        Assert.All(read.RunCheckpoints, count => Assert.Equal(6, count));
        Assert.Equal(whole.Count, read.Checkpoints);
    }

    [Theory]
    [InlineData(25_000)]
    [InlineData(300)]
    public void The_stored_normalizer_equals_a_fit_on_the_whole_dataset(int sample)
    {
        // MNIST-4's layout, so the statistics can fit it; 300 of the 900 rows draws a sample (with repeats).
        var p = ML.Nets.ParameterLayout.For(Task.Architecture).Count;
        var shards = new[] { Random(runs: 50, seed: 1, p: p), Random(runs: 70, seed: 2, firstRun: 50, p: p), Random(runs: 30, seed: 4, firstRun: 120, p: p) };
        var whole = new InMemoryCheckpointSource(CheckpointBatch.Concat(shards));

        var read = DatasetStatistics.Deserialize(DatasetStatistics.Compute(Task, () => shards, sample).Serialize(), "test statistics");

        foreach (var mode in new[] { "global", "tensor" })
        {
            var fitted = ML.Hypernet.ParameterNormalizer.Fit(ML.Nets.ParameterLayout.For(Task.Architecture), whole, mode, sample);
            Assert.Equal(fitted.Coefficients, read.Normalizer(mode)!.Coefficients);
        }

        Assert.NotEqual(read.Normalizer("global")!.Coefficients, read.Normalizer("tensor")!.Coefficients);
        Assert.Null(DatasetStatistics.Compute(Task, () => [Random(runs: 4, seed: 9)]).Normalizer("tensor"));
    }

    [Fact]
    public void Beyond_the_sketch_size_a_quantile_is_within_one_gap_of_the_exact_one()
    {
        var rng = new Random(5);
        var values = Enumerable.Range(0, 200_000).Select(_ => (float)(-Math.Log(1 - rng.NextDouble()))).ToList();
        var sorted = values.Order().ToArray();

        var sketch = LossSketch.Of([.. values]);

        Assert.False(sketch.IsExact);
        Assert.Equal(LossSketch.Points, sketch.Values.Length);
        Assert.Equal(sorted[0], sketch.Values[0]);
        Assert.Equal(sorted[^1], sketch.Values[^1]);
        foreach (var q in new[] { 0.01, 0.15, 0.5, 0.9, 0.999 })
        {
            var exact = LossSketch.Interpolate(sorted, q);
            var rank = (int)(q * (sorted.Length - 1));
            var gap = sorted[Math.Min(sorted.Length - 1, rank + 13)] - sorted[Math.Max(0, rank - 13)];
            Assert.InRange(sketch.Quantile(q), exact - gap, exact + gap);
        }
    }

    [Fact]
    public void A_file_of_another_format_is_refused_naming_it()
    {
        var bytes = SafetensorsFile.Write([SafetensorsTensor.Of("x", [1f], 1)], new Dictionary<string, string> { ["format"] = "something-else" });

        var error = Assert.Throws<InvalidDataException>(() => DatasetStatistics.Deserialize(bytes, "jobs/x/statistics.safetensors"));

        Assert.Contains("jobs/x/statistics.safetensors is not a lethe-dataset-statistics-1 file", error.Message);
    }
}
