using Lethe.ML.Nets;
using static TorchSharp.torch;

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
        var (images, labels) = SgdTraining.Tensors(request.Data.ForgetTrain);
        using (images)
        using (labels)
        {
            var batches = SgdTraining.Cycle(request.Data.ForgetTrain.Count, batchSize, new Random(request.Seed)).Take(maxSteps);
            return SgdTraining.UntilForgotten(request, Needs, learningRate, momentum, checkEvery,
                batches.Select(batch => (Func<Mlp, Tensor>)(model => -SgdTraining.CrossEntropy(model, images, labels, batch))), cancellation);
        }
    }
}
