using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>neggrad</c> (gradient ascent): minimise −CE on D_f only, checking the validation forget accuracy after every step
/// because pure ascent degrades the model fast (unlearning-reference.md §3.3).
/// </summary>
public sealed class NegGradMethod(double learningRate = 0.003, int maxSteps = 300, int batchSize = 64, double momentum = 0.9, int checkEvery = 1) : ComputedUnlearningMethod
{
    public override string Name => "neggrad";

    public override DataAccess Needs => DataAccess.Forget | DataAccess.Validation;

    public override IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["optimizer"] = "sgd",
        ["learning_rate"] = learningRate,
        ["momentum"] = momentum,
        ["batch_size"] = batchSize,
        ["max_steps"] = maxSteps,
        ["check_every_steps"] = checkEvery,
    };

    public override UnlearningResult Unlearn(UnlearningRequest request, IProgress<UnlearningProgress>? progress, CancellationToken cancellation)
    {
        var (images, labels) = SgdTraining.Tensors(request.Data.ForgetTrain);
        using (images)
        using (labels)
        {
            var batches = SgdTraining.Cycle(request.Data.ForgetTrain.Count, batchSize, new Random(request.Seed)).Take(maxSteps);
            // No epochs of its own: progress is reported once per pass over D_f.
            return SgdTraining.UntilForgotten(request, Needs, learningRate, momentum, checkEvery,
                batches.Select(batch => (Func<Mlp, Tensor>)(model => -SgdTraining.CrossEntropy(model, images, labels, batch))),
                new EpochProgress(progress, "unlearning", EpochProgress.BatchesPerEpoch(request.Data.ForgetTrain.Count, batchSize), maxSteps), cancellation);
        }
    }
}
