using Lethe.ML.Evaluation;
using static TorchSharp.torch;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>tasknegation</c> (Ilharco et al., ICLR 2023): fine-tune the model on D_f with its own labels to θ_f and return
/// θ − λ·(θ_f − θ). λ is chosen on the validation split from a grid (the original paper tunes it on validation) by
/// <see cref="CandidateSelection"/>; all λ are evaluated in one batched pass.
/// </summary>
public sealed class TaskNegationMethod(double learningRate = 0.01, int epochs = 3, int batchSize = 64, double momentum = 0.9, double[]? lambdas = null) : ComputedUnlearningMethod
{
    private readonly double[] _lambdas = lambdas ?? [0.5, 1, 2, 3, 5, 8, 12, 20];

    public override string Name => "tasknegation";

    public override DataAccess Needs => DataAccess.Forget | DataAccess.Validation;

    public override IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["optimizer"] = "sgd",
        ["learning_rate"] = learningRate,
        ["momentum"] = momentum,
        ["batch_size"] = batchSize,
        ["epochs"] = epochs,
        ["lambda_grid"] = _lambdas,
    };

    public override UnlearningResult Unlearn(UnlearningRequest request, IProgress<UnlearningProgress>? progress, CancellationToken cancellation)
    {
        float[] tuned;
        using (var training = new SgdTraining(request.Layout.Architecture, request.Original, learningRate, momentum))
        {
            var (images, labels) = SgdTraining.Tensors(request.Data.ForgetTrain);
            using (images)
            using (labels)
            {
                var perEpoch = EpochProgress.BatchesPerEpoch(request.Data.ForgetTrain.Count, batchSize);
                var fineTuning = new EpochProgress(progress, "fine-tuning on D_f", perEpoch, perEpoch * epochs);
                fineTuning.Started();
                var step = 0;
                foreach (var batch in SgdTraining.Epochs(request.Data.ForgetTrain.Count, batchSize, epochs, new Random(request.Seed)))
                {
                    cancellation.ThrowIfCancellationRequested();
                    training.Step(model => SgdTraining.CrossEntropy(model, images, labels, batch));
                    fineTuning.Stepped(++step);
                }

                fineTuning.Finished();
            }

            tuned = training.Parameters();
        }

        using var scope = NewDisposeScope();
        var theta = tensor(request.Original);
        var taskVector = tensor(tuned) - theta;
        var candidates = stack(_lambdas.Select(l => theta - (l * taskVector)).ToArray());
        using var probe = new ValidationProbe(request.Data);
        var (forget, retain) = probe.Accuracy(candidates);
        var best = CandidateSelection.Best(forget, retain);
        progress?.Report(new UnlearningProgress("choosing lambda", 1));
        return new UnlearningResult(candidates[best].data<float>().ToArray(), Needs, new Dictionary<string, object>
        {
            ["lambda"] = _lambdas[best],
            ["task_vector_norm"] = taskVector.norm().item<float>(),
            ["validation_forget_accuracy"] = forget[best],
            ["validation_retain_accuracy"] = retain[best],
            ["grid_validation_forget_accuracy"] = forget,
            ["grid_validation_retain_accuracy"] = retain,
        });
    }
}
