using Lethe.ML.HeldScalars;
using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.Unlearning;

/// <summary>
/// One MLP under <c>torch.optim.SGD</c>, started from given flat parameters: the loop every gradient-based method and
/// the trainers share. Minibatch orders come from a seeded shuffle, so a run is deterministic by seed.
/// </summary>
public sealed class SgdTraining : IDisposable
{
    private readonly Mlp _model;
    private readonly TorchSharp.Modules.Parameter[] _parameters;
    private readonly Tensor?[] _velocity;
    private readonly bool _momentum;

    // torch.optim.SGD's update, with its coefficients held as Scalars for the training's lifetime: TorchSharp 0.107's
    // SGD.step makes them temporaries that a garbage collection can free while the native call reads them ("Expected
    // false to be true" in c10::Scalar, which once ended a `lethe bench unlearn`). Same operations, same results.
    private readonly Scalar _momentumScalar;
    private readonly Scalar _negativeRate;

    public SgdTraining(MlpArchitecture architecture, float[] start, double learningRate, double momentum)
    {
        _model = new Mlp(architecture);
        _model.LoadFlat(start);
        _parameters = _model.parameters().ToArray();
        _velocity = new Tensor?[_parameters.Length];
        _momentum = momentum != 0;
        _momentumScalar = momentum.ToScalar();
        _negativeRate = (-learningRate).ToScalar();
    }

    public Mlp Model => _model;

    /// <summary>One optimiser step on the loss <paramref name="loss"/> builds from the model.</summary>
    public void Step(Func<Mlp, Tensor> loss)
    {
        using var scope = NewDisposeScope();
        foreach (var p in _parameters)
        {
            p.grad?.zero_();
        }

        loss(_model).backward();
        using var _ = no_grad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            // SGD with momentum (dampening 0, no Nesterov, no weight decay): v = g on the first step, then v = μ·v + g;
            // p = p − lr·v. Velocities live outside the step's dispose scope.
            var gradient = _parameters[i].grad!;
            var step = gradient;
            if (_momentum)
            {
                if (_velocity[i] is { } velocity)
                {
                    velocity.mul_(_momentumScalar).add_(gradient, Sums.One);
                }
                else
                {
                    _velocity[i] = gradient.clone().detach().DetachFromDisposeScope();
                }

                step = _velocity[i]!;
            }

            _parameters[i].add_(step, _negativeRate);
        }
    }

    public float[] Parameters()
    {
        using var scope = NewDisposeScope();
        return _model.ToFlat().data<float>().ToArray();
    }

    /// <summary>Sample indices of one epoch in minibatches of <paramref name="batchSize"/> (the last may be smaller).</summary>
    public static IEnumerable<long[]> Minibatches(int count, int batchSize, Random rng)
    {
        var order = Enumerable.Range(0, count).Select(i => (long)i).ToArray();
        rng.Shuffle(order);
        return order.Chunk(Math.Max(1, batchSize));
    }

    /// <summary>The minibatches of <paramref name="epochs"/> epochs, each with a fresh shuffle drawn when it starts.</summary>
    public static IEnumerable<long[]> Epochs(int count, int batchSize, int epochs, Random rng) =>
        Enumerable.Range(0, epochs).SelectMany(_ => Minibatches(count, batchSize, rng));

    /// <summary>
    /// The loop of the gradient baselines: SGD from the model to unlearn, one step per loss of <paramref name="steps"/>
    /// (drawn lazily), until <see cref="ForgetAccuracyStop"/> sees the validation forget accuracy at the request's target
    /// or the steps run out; the result records where it stopped. Cancellation is checked before every step.
    /// </summary>
    public static UnlearningResult UntilForgotten(UnlearningRequest request, DataAccess needs, double learningRate, double momentum, int checkEvery,
        IEnumerable<Func<Mlp, Tensor>> steps, EpochProgress progress, CancellationToken cancellation)
    {
        using var probe = new ValidationProbe(request.Data);
        var stop = new ForgetAccuracyStop(probe, request.TargetForgetAccuracy, checkEvery);
        using var training = new SgdTraining(request.Layout.Architecture, request.Original, learningRate, momentum);
        var step = 0;
        progress.Started();
        foreach (var loss in steps)
        {
            cancellation.ThrowIfCancellationRequested();
            training.Step(loss);
            if (stop.Check(training, ++step))
            {
                break;
            }

            progress.Stepped(step);
        }

        if (!stop.Reached)
        {
            stop.Check(training, step, force: true);
        }

        progress.Finished();
        return new UnlearningResult(training.Parameters(), needs, stop.Details(step));
    }

    /// <summary>Minibatches forever, a fresh shuffle per pass (for a second set iterated beside the first).</summary>
    public static IEnumerable<long[]> Cycle(int count, int batchSize, Random rng)
    {
        while (true)
        {
            foreach (var batch in Minibatches(count, batchSize, rng))
            {
                yield return batch;
            }
        }
    }

    /// <summary>Mean cross-entropy of the model on the rows <paramref name="batch"/> of a set.</summary>
    public static Tensor CrossEntropy(Mlp model, Tensor images, Tensor labels, long[] batch)
    {
        var index = tensor(batch);
        return nn.functional.cross_entropy(model.forward(images.index_select(0, index)), labels.index_select(0, index));
    }

    /// <summary>Images and labels of a set as tensors, for index_select by minibatch.</summary>
    public static (Tensor Images, Tensor Labels) Tensors(LabeledImages data) => (data.ImagesTensor(), data.LabelsTensor());

    public void Dispose()
    {
        foreach (var velocity in _velocity)
        {
            velocity?.Dispose();
        }

        _momentumScalar.Dispose();
        _negativeRate.Dispose();
        _model.Dispose();
    }
}
