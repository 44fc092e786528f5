using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>randomlabel</c> (Hayase et al.; SSD's "amnesiac"): fine-tune on D_r together with D_f relabelled with random wrong
/// classes (drawn once from the seed, any class of the preset but the true one). Uses D_r as the original recipe does —
/// dropping it collapses accuracy (SalUn issue #14).
/// </summary>
public sealed class RandomLabelMethod(double learningRate = 0.01, int maxEpochs = 10, int batchSize = 64, double momentum = 0.9, int checkEvery = 10) : ComputedUnlearningMethod
{
    public override string Name => "randomlabel";

    public override DataAccess Needs => DataAccess.Full | DataAccess.Validation;

    public override IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["optimizer"] = "sgd",
        ["learning_rate"] = learningRate,
        ["momentum"] = momentum,
        ["batch_size"] = batchSize,
        ["max_epochs"] = maxEpochs,
        ["check_every_steps"] = checkEvery,
        ["random_labels"] = "uniform over the preset's classes except the true one",
    };

    public override UnlearningResult Unlearn(UnlearningRequest request, IProgress<UnlearningProgress>? progress, CancellationToken cancellation)
    {
        var rng = new Random(request.Seed);
        var data = WithRandomForgetLabels(request.Data, rng);
        var (images, labels) = SgdTraining.Tensors(data);
        using (images)
        using (labels)
        {
            var batches = SgdTraining.Epochs(data.Count, batchSize, maxEpochs, rng);
            var perEpoch = EpochProgress.BatchesPerEpoch(data.Count, batchSize);
            return SgdTraining.UntilForgotten(request, Needs, learningRate, momentum, checkEvery,
                batches.Select(batch => (Func<Mlp, Tensor>)(model => SgdTraining.CrossEntropy(model, images, labels, batch))),
                new EpochProgress(progress, "unlearning", perEpoch, perEpoch * maxEpochs), cancellation);
        }
    }

    /// <summary>D_r followed by D_f with each label replaced by a different class.</summary>
    private static LabeledImages WithRandomForgetLabels(ForgetSplit data, Random rng)
    {
        var classes = data.Preset.Classes;
        var forget = data.ForgetTrain;
        var relabelled = forget.Labels.Select(l =>
        {
            var others = classes.Where(c => c != l).ToArray();
            return others[rng.Next(others.Length)];
        }).ToArray();
        var retain = data.RetainTrain;
        return new LabeledImages([.. retain.Pixels, .. forget.Pixels], [.. retain.Labels, .. relabelled]);
    }
}
