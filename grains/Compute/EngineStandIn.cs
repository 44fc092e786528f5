// TEMPORARY stand-in for the lead's ml/Collection (CollectionSpec, RunSpec, VectorizedCollector), with the API names
// of the common brief, so the platform builds and runs before ml/Collection lands on main. It does no training: it
// evaluates seeded random nets. Delete this file when merging main brings ml/Collection.
using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using static TorchSharp.torch;

namespace Lethe.ML.Collection;

public sealed record CollectionSpec(string Preset, int Runs, int Epochs, int Seed, string DataSource)
{
    public IReadOnlyList<RunSpec> PlanRuns() => Enumerable.Range(0, Runs).Select(i => new RunSpec(i, Seed * 100_003 + i)).ToList();
}

public sealed record RunSpec(int Index, int Seed);

public sealed record CollectionProgress(int Epoch, int Epochs, long CheckpointsEvaluated, long CheckpointsSaved);

public sealed class VectorizedCollector(DigitsDataset data, CollectionSpec spec)
{
    public CheckpointBatch Collect(IReadOnlyList<RunSpec> runs, IProgress<CollectionProgress>? progress, CancellationToken ct)
    {
        var preset = TaskPreset.Get(spec.Preset);
        var layout = ParameterLayout.For(preset.Architecture);
        var test = data.For(preset).Test;
        var parts = new List<CheckpointBatch>();
        for (var epoch = 1; epoch <= spec.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var flat = new float[runs.Count * layout.Count];
            for (var k = 0; k < runs.Count; k++)
            {
                var random = new Random(runs[k].Seed * 31 + epoch);
                for (var j = 0; j < layout.Count; j++)
                {
                    flat[k * layout.Count + j] = (float)(random.NextDouble() - 0.5) * 0.1f;
                }
            }

            var logits = BatchedMlp.Logits(layout, tensor(flat).reshape(runs.Count, layout.Count), test.ImagesTensor());
            var labels = test.LabelsTensor();
            var m = preset.Classes.Length;
            var loss = new float[runs.Count * m];
            var acc = new float[runs.Count * m];
            var perSample = nn.functional.cross_entropy(
                logits.reshape(-1, m), labels.repeat(runs.Count), reduction: nn.Reduction.None).reshape(runs.Count, -1);
            for (var c = 0; c < m; c++)
            {
                var mask = labels.eq(c);
                var mean = perSample.index_select(1, mask.nonzero().squeeze(1)).mean([1L]).data<float>().ToArray();
                for (var k = 0; k < runs.Count; k++)
                {
                    loss[k * m + c] = mean[k];
                }
            }

            parts.Add(new CheckpointBatch(runs.Count, layout.Count, m, flat, loss, acc,
                runs.Select(r => r.Index).ToArray(), Enumerable.Repeat(epoch, runs.Count).ToArray(), Enumerable.Repeat(epoch, runs.Count).ToArray()));
            progress?.Report(new CollectionProgress(epoch, spec.Epochs, runs.Count * (long)epoch, runs.Count * (long)epoch));
        }

        return CheckpointBatch.Concat(parts);
    }
}
