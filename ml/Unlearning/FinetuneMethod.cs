using Lethe.ML.Evaluation;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>finetune</c>: continue training the original model on D_r only, relying on catastrophic forgetting of D_f
/// (SalUn/SSD "FT"; MLP defaults from unlearning-reference.md §3.2), stopped by <see cref="ForgetAccuracyStop"/>.
/// </summary>
public sealed class FinetuneMethod(double learningRate = 0.05, int maxEpochs = 10, int batchSize = 64, double momentum = 0.9, int checkEvery = 10) : IUnlearningMethod
{
    public string Name => "finetune";

    public DataAccess Needs => DataAccess.Retain | DataAccess.Validation;

    public IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["optimizer"] = "sgd",
        ["learning_rate"] = learningRate,
        ["momentum"] = momentum,
        ["batch_size"] = batchSize,
        ["max_epochs"] = maxEpochs,
        ["check_every_steps"] = checkEvery,
    };

    public UnlearningResult Unlearn(UnlearningRequest request, CancellationToken cancellation = default)
    {
        using var probe = new ValidationProbe(request.Data);
        var stop = new ForgetAccuracyStop(probe, request.TargetForgetAccuracy, checkEvery);
        using var training = new SgdTraining(request.Layout.Architecture, request.Original, learningRate, momentum);
        var (images, labels) = SgdTraining.Tensors(request.Data.RetainTrain);
        using (images)
        using (labels)
        {
            var rng = new Random(request.Seed);
            var step = 0;
            for (var epoch = 0; epoch < maxEpochs && !stop.Reached; epoch++)
            {
                cancellation.ThrowIfCancellationRequested();
                foreach (var batch in SgdTraining.Minibatches(request.Data.RetainTrain.Count, batchSize, rng))
                {
                    training.Step(model => SgdTraining.CrossEntropy(model, images, labels, batch));
                    if (stop.Check(training, ++step))
                    {
                        break;
                    }
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
