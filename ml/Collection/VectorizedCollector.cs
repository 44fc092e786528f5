using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using static TorchSharp.torch;

namespace Lethe.ML.Collection;

/// <summary>
/// Trains K runs of a job at once. Every step draws one shared minibatch; fc1 of all runs is a single matmul against the
/// stacked [K·h, 784] weights, fc2 a batched matmul; each run's loss is its own class-weighted mean, and the sum of the
/// run losses gives each run exactly its own gradient (computed by hand in <see cref="StackedNets"/>). SGD with
/// momentum and a per-run learning rate updates the stacked tensors in place. Candidate steps evaluate every run on the test split in one pass.
/// </summary>
public sealed class VectorizedCollector
{
    private readonly DigitsDataset _data;
    private readonly CollectionSpec _spec;
    private readonly ParameterLayout _layout;
    private readonly TrainingSchedule _schedule;

    public VectorizedCollector(DigitsDataset data, CollectionSpec spec)
    {
        _spec = spec.Validated();
        _data = data.For(spec.Task);
        _layout = ParameterLayout.For(spec.Task.Architecture);
        _schedule = new TrainingSchedule(spec, _data.Train.Count);
    }

    public TrainingSchedule Schedule => _schedule;

    public static Device DefaultDevice => cuda.is_available() ? CUDA : CPU;

    /// <summary>
    /// Runs per pass. Past about 512 runs of 784-2-4 the stacked weights, velocities and gradients (6 MB each at 1024)
    /// fall out of cache and a step gets slower per run, so larger calls are split into passes.
    /// </summary>
    public const int MaxRunsPerPass = 512;

    public CheckpointBatch Collect(IReadOnlyList<RunSpec> runs, IProgress<CollectionProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (runs.Count <= MaxRunsPerPass)
        {
            return CollectPass(runs, progress, cancellation);
        }

        var parts = new List<CheckpointBatch>();
        long epochsBefore = 0, evaluatedBefore = 0, savedBefore = 0;
        foreach (var chunk in runs.Chunk(MaxRunsPerPass))
        {
            var part = CollectPass(chunk, new InlineProgress<CollectionProgress>(p => progress?.Report(new CollectionProgress(
                epochsBefore + p.RunEpochsDone, (long)runs.Count * _spec.Epochs, evaluatedBefore + p.Evaluated, savedBefore + p.Saved))), cancellation);
            parts.Add(part);
            epochsBefore += (long)chunk.Length * _spec.Epochs;
            evaluatedBefore += (long)chunk.Length * _schedule.CandidateCount;
            savedBefore += part.Count;
        }

        return CheckpointBatch.Concat(parts);
    }

    private CheckpointBatch CollectPass(IReadOnlyList<RunSpec> runs, IProgress<CollectionProgress>? progress, CancellationToken cancellation)
    {
        var device = DefaultDevice;
        var k = runs.Count;
        var classes = _spec.Task.Classes.Length;
        var builder = new CheckpointBatchBuilder(_layout.Count, classes);
        var policies = runs.Select(r => new SavingPolicy(_spec, r)).ToArray();
        long evaluated = 0;

        using var scope = NewDisposeScope();
        using var evaluator = new PerClassEvaluator(_data.Test, classes, device);
        var images = _data.Train.ImagesTensor(device);
        var labels = _data.Train.LabelsTensor(device);
        var oneHot = nn.functional.one_hot(labels, classes).to(ScalarType.Float32).t().contiguous();   // [m, N]
        var initial = tensor(runs.SelectMany(r => _layout.InitialParameters(r.Seed)).ToArray(), [k, _layout.Count], device: device);
        var (w1, b1, w2, b2) = BatchedMlp.Split(_layout, initial);
        var net = new StackedNets(w1.contiguous(), b1.contiguous(), w2.contiguous(), b2.contiguous());
        var velocity = net.Tensors.Select(p => zeros_like(p)).ToArray();
        var negativeRates = -tensor(runs.Select(r => (float)r.LearningRate).ToArray(), device: device);
        var rateShapes = net.Tensors.Select(p => negativeRates.view([k, .. Enumerable.Repeat(1L, (int)p.ndim - 1)])).ToArray();

        void Evaluate(int step, int epoch)
        {
            using var inner = NewDisposeScope();
            var (loss, accuracy) = evaluator.Evaluate(net.Forward(evaluator.Images).Logits);
            var lossRows = loss.cpu().data<float>().ToArray();
            var accRows = accuracy.cpu().data<float>().ToArray();
            evaluated += k;
            var keep = new List<long>();
            for (var r = 0; r < k; r++)
            {
                if (policies[r].Decide(lossRows.AsSpan(r * classes, classes), accRows.AsSpan(r * classes, classes), step == 0))
                {
                    keep.Add(r);
                }
            }

            if (keep.Count == 0)
            {
                return;
            }

            var rows = cat(net.Tensors.Select(p => p.reshape(k, -1)).ToList(), 1).index_select(0, tensor(keep.ToArray(), device: device));
            var values = rows.cpu().data<float>().ToArray();
            for (var i = 0; i < keep.Count; i++)
            {
                var r = (int)keep[i];
                builder.Add(runs[r].Index, step, epoch, values.AsSpan(i * _layout.Count, _layout.Count),
                    lossRows.AsSpan(r * classes, classes), accRows.AsSpan(r * classes, classes));
            }
        }

        Evaluate(0, 0);
        var globalStep = 0;
        for (var epoch = 0; epoch < _spec.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var epochScope = NewDisposeScope();
            var weights = tensor(runs.SelectMany(r => r.WeightsAt(epoch)).ToArray(), [k, classes], device: device);
            var order = tensor(_schedule.EpochOrder(epoch), device: device);
            for (var s = 0; s < _schedule.StepsPerEpoch; s++)
            {
                using (var stepScope = NewDisposeScope())
                {
                    var batch = order.narrow(0, s * _schedule.BatchSize, _schedule.BatchSize);
                    var gradients = net.Gradients(images.index_select(0, batch), oneHot.index_select(1, batch), weights.index_select(1, labels.index_select(0, batch)));
                    for (var i = 0; i < gradients.Length; i++)
                    {
                        // SGD with momentum, as torch.optim.SGD: v = mu·v + g; p = p - lr_k·v.
                        velocity[i].mul_(_spec.Momentum).add_(gradients[i]);
                        net.Tensors[i].addcmul_(velocity[i], rateShapes[i], 1);
                    }
                }

                globalStep++;
                if (_schedule.IsCandidate(globalStep))
                {
                    Evaluate(globalStep, epoch);
                }
            }

            progress?.Report(new CollectionProgress((long)(epoch + 1) * k, (long)_spec.Epochs * k, evaluated, builder.Count));
        }

        return builder.Build();
    }
}
