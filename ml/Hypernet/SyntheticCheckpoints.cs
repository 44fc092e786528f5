using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.ML.Hypernet;

/// <summary>
/// Checkpoint runs and digits of the right shapes for throughput benchmarks and fast tests that need no real collection.
/// Parameters are learnable from the losses: θ = 0.2·init + Σ_c ℓ_c·v_c for fixed random directions v_c, while each
/// run's class losses move from chance (ln m) to a random final value.
/// </summary>
public static class SyntheticCheckpoints
{
    public static CheckpointBatch Create(TaskPreset task, int runs, int perRun, int seed)
    {
        var layout = ParameterLayout.For(task.Architecture);
        var classes = task.Classes.Length;
        var builder = new CheckpointBatchBuilder(layout.Count, classes);
        var rng = new Random(seed);
        var directions = Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, layout.Count).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray()).ToArray();
        var chance = (float)Math.Log(classes);
        for (var r = 0; r < runs; r++)
        {
            var start = layout.InitialParameters(seed + r);
            var finalLoss = Enumerable.Range(0, classes).Select(_ => (float)(rng.NextDouble() * 4)).ToArray();
            for (var k = 0; k < perRun; k++)
            {
                var progress = perRun == 1 ? 0f : k / (perRun - 1f);
                var loss = finalLoss.Select(l => chance + (progress * (l - chance))).ToArray();
                var parameters = start.Select((v, i) => (0.2f * v) + Enumerable.Range(0, classes).Sum(c => loss[c] * directions[c][i])).ToArray();
                builder.Add(r, k * 10, k, parameters, loss, loss.Select(l => (float)Math.Exp(-l)).ToArray());
            }
        }

        return builder.Build();
    }

    /// <summary>Random images of the task's classes (evaluation inputs when no digits are needed).</summary>
    public static LabeledImages Images(TaskPreset task, int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = Enumerable.Range(0, count * TaskPreset.ImageSize).Select(_ => (float)rng.NextDouble()).ToArray();
        return new LabeledImages(pixels, Enumerable.Range(0, count).Select(i => i % task.Classes.Length).ToArray());
    }
}
