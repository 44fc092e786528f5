using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.Collection;

/// <summary>
/// The way the papers collect: one run at a time, a plain <see cref="Mlp"/> module with <c>torch.optim.SGD</c>, the same
/// recipe, minibatch order, candidate steps and saving heuristics as <see cref="VectorizedCollector"/>. It is the
/// reference the vectorized engine is checked and benchmarked against.
/// </summary>
public sealed class PerRunCollector
{
    private readonly DigitsDataset _data;
    private readonly CollectionSpec _spec;
    private readonly ParameterLayout _layout;
    private readonly TrainingSchedule _schedule;

    public PerRunCollector(DigitsDataset data, CollectionSpec spec)
    {
        _spec = spec.Validated();
        _data = data.For(spec.Task);
        _layout = ParameterLayout.For(spec.Task.Architecture);
        _schedule = new TrainingSchedule(spec, _data.Train.Count);
    }

    public CheckpointBatch Collect(IReadOnlyList<RunSpec> runs, IProgress<CollectionProgress>? progress = null, CancellationToken cancellation = default)
    {
        var device = VectorizedCollector.DefaultDevice;
        var classes = _spec.Task.Classes.Length;
        var builder = new CheckpointBatchBuilder(_layout.Count, classes);
        long evaluated = 0;
        long epochsDone = 0;
        using var evaluator = new PerClassEvaluator(_data.Test, classes, device);
        using var images = _data.Train.ImagesTensor(device);
        using var labels = _data.Train.LabelsTensor(device);
        foreach (var run in runs)
        {
            using var scope = NewDisposeScope();
            var model = new Mlp(_spec.Task.Architecture).to(device);
            model.LoadFlat(tensor(_layout.InitialParameters(run.Seed), device: device));
            var optimizer = optim.SGD(model.parameters(), run.LearningRate, momentum: _spec.Momentum);
            var policy = new SavingPolicy(_spec, run);

            void Evaluate(int step, int epoch)
            {
                using var inner = NewDisposeScope();
                using var _ = no_grad();
                var (loss, accuracy) = evaluator.Evaluate(model.forward(evaluator.Images).t().unsqueeze(0));
                var lossRow = loss.cpu().data<float>().ToArray();
                var accRow = accuracy.cpu().data<float>().ToArray();
                evaluated++;
                if (policy.Decide(lossRow, accRow, step == 0))
                {
                    builder.Add(run.Index, step, epoch, model.ToFlat().cpu().data<float>().ToArray(), lossRow, accRow);
                }
            }

            Evaluate(0, 0);
            var globalStep = 0;
            for (var epoch = 0; epoch < _spec.Epochs; epoch++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var epochScope = NewDisposeScope();
                var weights = tensor(run.WeightsAt(epoch), device: device);
                var order = tensor(_schedule.EpochOrder(epoch), device: device);
                for (var s = 0; s < _schedule.StepsPerEpoch; s++)
                {
                    using (var stepScope = NewDisposeScope())
                    {
                        var batch = order.narrow(0, s * _schedule.BatchSize, _schedule.BatchSize);
                        var y = labels.index_select(0, batch);
                        var nll = nn.functional.cross_entropy(model.forward(images.index_select(0, batch)), y, reduction: nn.Reduction.None);
                        var w = weights.index_select(0, y);
                        var loss = (w * nll).sum() / w.sum().clamp_min(1e-8);
                        optimizer.zero_grad();
                        loss.backward();
                        optimizer.step();
                    }

                    globalStep++;
                    if (_schedule.IsCandidate(globalStep))
                    {
                        Evaluate(globalStep, epoch);
                    }
                }

                epochsDone++;
            }

            progress?.Report(new CollectionProgress(epochsDone, (long)_spec.Epochs * runs.Count, evaluated, builder.Count));
        }

        return builder.Build();
    }
}
