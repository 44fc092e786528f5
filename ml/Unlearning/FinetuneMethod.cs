using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>finetune</c>: continue training the original model on D_r only, relying on catastrophic forgetting of D_f
/// (SalUn/SSD "FT"; MLP defaults from unlearning-reference.md §3.2), stopped by <see cref="ForgetAccuracyStop"/>.
/// </summary>
public sealed class FinetuneMethod(double learningRate = 0.05, int maxEpochs = 10, int batchSize = 64, double momentum = 0.9, int checkEvery = 10) : ComputedUnlearningMethod
{
    public override string Name => "finetune";

    public override DataAccess Needs => DataAccess.Retain | DataAccess.Validation;

    public override IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["optimizer"] = "sgd",
        ["learning_rate"] = learningRate,
        ["momentum"] = momentum,
        ["batch_size"] = batchSize,
        ["max_epochs"] = maxEpochs,
        ["check_every_steps"] = checkEvery,
    };

    public override UnlearningResult Unlearn(UnlearningRequest request, IProgress<UnlearningProgress>? progress, CancellationToken cancellation)
    {
        var (images, labels) = SgdTraining.Tensors(request.Data.RetainTrain);
        using (images)
        using (labels)
        {
            var batches = SgdTraining.Epochs(request.Data.RetainTrain.Count, batchSize, maxEpochs, new Random(request.Seed));
            var perEpoch = EpochProgress.BatchesPerEpoch(request.Data.RetainTrain.Count, batchSize);
            return SgdTraining.UntilForgotten(request, Needs, learningRate, momentum, checkEvery,
                batches.Select(batch => (Func<Mlp, Tensor>)(model => SgdTraining.CrossEntropy(model, images, labels, batch))),
                new EpochProgress(progress, "unlearning", perEpoch, perEpoch * maxEpochs), cancellation);
        }
    }
}
