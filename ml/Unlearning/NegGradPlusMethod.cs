using Lethe.ML.Evaluation;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>neggrad+</c> (Kurmanji et al., SCRUB's <c>train_negrad</c>): each step descends on a D_r batch and ascends on a
/// D_f batch, loss = α·CE(retain) − (1 − α)·CE(forget); iterates over D_r, cycling D_f.
/// </summary>
public sealed class NegGradPlusMethod(double alpha = 0.99, double learningRate = 0.01, int maxEpochs = 10, int batchSize = 64, double momentum = 0.9, int checkEvery = 10) : IUnlearningMethod
{
    public string Name => "neggrad+";

    public DataAccess Needs => DataAccess.Full | DataAccess.Validation;

    public IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["alpha"] = alpha,
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
        var (retainImages, retainLabels) = SgdTraining.Tensors(request.Data.RetainTrain);
        var (forgetImages, forgetLabels) = SgdTraining.Tensors(request.Data.ForgetTrain);
        using (retainImages)
        using (retainLabels)
        using (forgetImages)
        using (forgetLabels)
        {
            var rng = new Random(request.Seed);
            using var forgetBatches = SgdTraining.Cycle(request.Data.ForgetTrain.Count, batchSize, new Random(request.Seed + 1)).GetEnumerator();
            var step = 0;
            for (var epoch = 0; epoch < maxEpochs && !stop.Reached; epoch++)
            {
                cancellation.ThrowIfCancellationRequested();
                foreach (var batch in SgdTraining.Minibatches(request.Data.RetainTrain.Count, batchSize, rng))
                {
                    forgetBatches.MoveNext();
                    var forgetBatch = forgetBatches.Current;
                    training.Step(model =>
                        (alpha * SgdTraining.CrossEntropy(model, retainImages, retainLabels, batch))
                        - ((1 - alpha) * SgdTraining.CrossEntropy(model, forgetImages, forgetLabels, forgetBatch)));
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
