using Lethe.ML.Evaluation;
using Lethe.ML.Nets;
using Lethe.ML.Unlearning;
using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.InvWnn;

/// <summary>
/// <c>invwnn</c> (Jang et al., AAAI 2025; unlearning-reference.md §2.6): repeat rounds of forward fine-tuning on D_f with its
/// own labels (Adam, state kept across rounds), recording <see cref="InvWnnWindow.Snapshots"/> per-epoch snapshots after
/// <c>warmupEpochs</c> unrecorded ones, then replace the weights by the predictor's estimate of the weights
/// <see cref="InvWnnWindow.Rewind"/> epochs before the oldest snapshot. Stops at the first round after which the validation
/// forget accuracy is at or below the request's target (the retrained model's for the bench, or, for a service request
/// without one, the target the host sets), or after <c>maxRounds</c> rounds. The forward learning rate depends on what is
/// forgotten (chosen on seeds 1-2 of MNIST, docs/measured.md): whole classes take small steps (a larger rate collapses
/// the net onto the forget classes before the rewind catches up), random samples of a memorising net larger ones.
/// </summary>
public sealed class InvWnnMethod(InvWnnPredictor predictor, string predictorSource, double classLearningRate = 1e-4, double sampleLearningRate = 1e-3, int maxRounds = 100, int batchSize = 256, int warmupEpochs = 2) : ComputedUnlearningMethod
{
    public override string Name => "invwnn";

    public override DataAccess Needs => DataAccess.Forget | DataAccess.Validation;

    public override IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["optimizer"] = "adam",
        ["learning_rate_classes"] = classLearningRate,
        ["learning_rate_samples"] = sampleLearningRate,
        ["batch_size"] = batchSize,
        ["snapshots"] = InvWnnWindow.Snapshots,
        ["rewind_epochs"] = InvWnnWindow.Rewind,
        ["warmup_epochs"] = warmupEpochs,
        ["max_rounds"] = maxRounds,
        ["normalisation"] = "wnn (oldest-subtracted, 2·range)",
        ["predictor"] = predictorSource,
    };

    public override UnlearningResult Unlearn(UnlearningRequest request, IProgress<UnlearningProgress>? progress, CancellationToken cancellation)
    {
        using var probe = new ValidationProbe(request.Data);
        using var model = new Mlp(request.Layout.Architecture);
        model.LoadFlat(request.Original);
        using var optimizer = new HeldScalars.Adam(model.parameters(), request.Data.BySample ? sampleLearningRate : classLearningRate);
        var (images, labels) = SgdTraining.Tensors(request.Data.ForgetTrain);
        using var imagesScope = images;
        using var labelsScope = labels;
        var rng = new Random(request.Seed);
        var count = request.Data.ForgetTrain.Count;
        var curve = new List<double>();
        double forget = double.NaN, retain = double.NaN;
        var rounds = 0;
        var reached = false;
        progress?.Report(new UnlearningProgress("rewinding", 0));

        void Epoch()
        {
            foreach (var batch in SgdTraining.Minibatches(count, batchSize, rng))
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                SgdTraining.CrossEntropy(model, images, labels, batch).backward();
                optimizer.step();
            }
        }

        float[] Flat()
        {
            using var scope = NewDisposeScope();
            return model.ToFlat().data<float>().ToArray();
        }

        while (rounds < maxRounds)
        {
            for (var e = 0; e < warmupEpochs; e++)
            {
                Epoch();
            }

            var snapshots = new List<float[]>();
            for (var k = 0; k < InvWnnWindow.Snapshots; k++)
            {
                snapshots.Add(Flat());
                Epoch();
            }

            // The state after the last recorded epoch is discarded: the prediction replaces it (as the authors' code).
            model.LoadFlat(predictor.PredictPast(request.Layout, snapshots));
            rounds++;
            (forget, retain) = Accuracy(probe, Flat());
            curve.Add(forget);
            progress?.Report(new UnlearningProgress("rewinding", (double)rounds / maxRounds));
            if (forget <= request.TargetForgetAccuracy)
            {
                reached = true;
                break;
            }
        }

        progress?.Report(new UnlearningProgress("rewinding", 1));
        return new UnlearningResult(Flat(), Needs, new Dictionary<string, object>
        {
            ["rounds_run"] = rounds,
            ["stopped_by"] = reached ? "validation forget accuracy reached the target" : "round cap",
            ["target_forget_accuracy"] = request.TargetForgetAccuracy,
            ["validation_forget_accuracy"] = forget,
            ["validation_retain_accuracy"] = retain,
            ["validation_forget_accuracy_per_round"] = curve.ToArray(),
        });
    }

    private static (double Forget, double Retain) Accuracy(ValidationProbe probe, float[] flat)
    {
        using var scope = NewDisposeScope();
        var (forget, retain) = probe.Accuracy(tensor(flat).unsqueeze(0));
        return (forget[0], retain[0]);
    }
}
