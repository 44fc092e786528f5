using Lethe.ML.Evaluation;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>neggrad</c> (gradient ascent): minimise −CE on D_f only, checking the validation forget accuracy after every step
/// because pure ascent degrades the model fast (unlearning-reference.md §3.3).
/// </summary>
public sealed class NegGradMethod(double learningRate = 0.003, int maxSteps = 300, int batchSize = 64, double momentum = 0.9, int checkEvery = 1) : IUnlearningMethod
{
    public string Name => "neggrad";

    public DataAccess Needs => DataAccess.Forget | DataAccess.Validation;

    public IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["optimizer"] = "sgd",
        ["learning_rate"] = learningRate,
        ["momentum"] = momentum,
        ["batch_size"] = batchSize,
        ["max_steps"] = maxSteps,
        ["check_every_steps"] = checkEvery,
    };

    public UnlearningResult Unlearn(UnlearningRequest request, CancellationToken cancellation = default)
    {
        using var probe = new ValidationProbe(request.Data);
        var stop = new ForgetAccuracyStop(probe, request.TargetForgetAccuracy, checkEvery);
        using var training = new SgdTraining(request.Layout.Architecture, request.Original, learningRate, momentum);
        var (images, labels) = SgdTraining.Tensors(request.Data.ForgetTrain);
        using (images)
        using (labels)
        {
            var step = 0;
            foreach (var batch in SgdTraining.Cycle(request.Data.ForgetTrain.Count, batchSize, new Random(request.Seed)))
            {
                cancellation.ThrowIfCancellationRequested();
                training.Step(model => -SgdTraining.CrossEntropy(model, images, labels, batch));
                if (stop.Check(training, ++step) || step >= maxSteps)
                {
                    break;
                }
            }

            if (!stop.Reached)
            {
                stop.Check(training, step, force: true);
            }

            return new UnlearningResult(training.Parameters(), Needs, stop.Details(step));
        }
    }
}
