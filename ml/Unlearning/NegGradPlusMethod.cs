using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>neggrad+</c> (Kurmanji et al., SCRUB's <c>train_negrad</c>): each step descends on a D_r batch and ascends on a
/// D_f batch, loss = α·CE(retain) − (1 − α)·CE(forget); iterates over D_r, cycling D_f.
/// </summary>
public sealed class NegGradPlusMethod(double alpha = 0.99, double learningRate = 0.01, int maxEpochs = 10, int batchSize = 64, double momentum = 0.9, int checkEvery = 10) : ComputedUnlearningMethod
{
    public override string Name => "neggrad+";

    public override DataAccess Needs => DataAccess.Full | DataAccess.Validation;

    public override IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["alpha"] = alpha,
        ["optimizer"] = "sgd",
        ["learning_rate"] = learningRate,
        ["momentum"] = momentum,
        ["batch_size"] = batchSize,
        ["max_epochs"] = maxEpochs,
        ["check_every_steps"] = checkEvery,
    };

    public override UnlearningResult Unlearn(UnlearningRequest request, IProgress<UnlearningProgress>? progress, CancellationToken cancellation)
    {
        var (retainImages, retainLabels) = SgdTraining.Tensors(request.Data.RetainTrain);
        var (forgetImages, forgetLabels) = SgdTraining.Tensors(request.Data.ForgetTrain);
        using (retainImages)
        using (retainLabels)
        using (forgetImages)
        using (forgetLabels)
        {
            // Each D_r batch is paired with the next D_f batch of an endless cycle with its own shuffle.
            var retainBatches = SgdTraining.Epochs(request.Data.RetainTrain.Count, batchSize, maxEpochs, new Random(request.Seed));
            var forgetBatches = SgdTraining.Cycle(request.Data.ForgetTrain.Count, batchSize, new Random(request.Seed + 1));
            var perEpoch = EpochProgress.BatchesPerEpoch(request.Data.RetainTrain.Count, batchSize);
            return SgdTraining.UntilForgotten(request, Needs, learningRate, momentum, checkEvery,
                retainBatches.Zip(forgetBatches, (retain, forget) => (Func<Mlp, Tensor>)(model =>
                    (alpha * SgdTraining.CrossEntropy(model, retainImages, retainLabels, retain))
                    - ((1 - alpha) * SgdTraining.CrossEntropy(model, forgetImages, forgetLabels, forget)))),
                new EpochProgress(progress, "unlearning", perEpoch, perEpoch * maxEpochs), cancellation);
        }
    }
}
