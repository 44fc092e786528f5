using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Evaluation;

/// <summary>
/// Computes <see cref="ModelMetrics"/> for many models at once: the logits of K nets on D and T come from one
/// <see cref="BatchedMlp.Logits(ParameterLayout, Tensor, Tensor)"/> pass per chunk of nets; the per-sample statistics
/// (entropy, confidence, JSD) are then computed in double precision on the CPU.
/// </summary>
public sealed class UnlearningEvaluator : IDisposable
{
    /// <summary>Nets per batched pass; bounds the logits held at once (K·|D|·m floats).</summary>
    private const int ChunkSize = 16;

    private readonly ForgetSplit _split;
    private readonly ParameterLayout _layout;
    private readonly int _miaSeed;
    private readonly Tensor _trainImages;
    private readonly Tensor _testImages;
    private readonly bool[] _trainForget;
    private readonly bool[] _testForget;

    /// <param name="miaSeed">Seed of the MIA's balanced retain subsample (fixed so reports are reproducible).</param>
    public UnlearningEvaluator(ForgetSplit split, int miaSeed = 1, Device? device = null)
    {
        _split = split;
        _layout = ParameterLayout.For(split.Preset.Architecture);
        _miaSeed = miaSeed;
        _trainImages = split.Train.ImagesTensor(device);
        _testImages = split.Test.ImagesTensor(device);
        _trainForget = split.TrainForgetMask;
        _testForget = split.Test.Labels.Select(split.IsForgotten).ToArray();
    }

    public ForgetSplit Split => _split;

    public int MiaSeed => _miaSeed;

    public ModelMetrics Evaluate(float[] model, float[]? reference = null) => Evaluate([model], reference)[0];

    /// <summary>Metrics of each model; with <paramref name="reference"/> (the retrained model) also overlap, φ and confusion.</summary>
    public ModelMetrics[] Evaluate(IReadOnlyList<float[]> models, float[]? reference = null)
    {
        var m = _layout.Architecture.Classes;
        (float[] Train, float[] Test)? referenceLogits = reference is null ? null : Logits([reference]);
        var metrics = new List<ModelMetrics>();
        foreach (var chunk in models.Chunk(ChunkSize))
        {
            var (train, test) = Logits(chunk);
            var trainSize = _split.Train.Count * m;
            var testSize = _split.Test.Count * m;
            for (var k = 0; k < chunk.Length; k++)
            {
                metrics.Add(Measure(
                    train.AsSpan(k * trainSize, trainSize),
                    test.AsSpan(k * testSize, testSize),
                    referenceLogits));
            }
        }

        return metrics.ToArray();
    }

    /// <summary>Logits on D and on T of every model, row-major [K, N, m], on the CPU.</summary>
    private (float[] Train, float[] Test) Logits(IReadOnlyList<float[]> models)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var flat = tensor(models.SelectMany(p => p).ToArray(), [models.Count, _layout.Count], device: _trainImages.device);
        var train = BatchedMlp.Logits(_layout, flat, _trainImages).cpu().data<float>().ToArray();
        var test = BatchedMlp.Logits(_layout, flat, _testImages).cpu().data<float>().ToArray();
        return (train, test);
    }

    private ModelMetrics Measure(ReadOnlySpan<float> train, ReadOnlySpan<float> test, (float[] Train, float[] Test)? reference)
    {
        var m = _layout.Architecture.Classes;
        var trainStats = SampleStatistics.Of(train, _split.Train.Labels, m);
        var testStats = SampleStatistics.Of(test, _split.Test.Labels, m);

        double Accuracy(SampleStatistics stats, int[] labels, bool[] forget, bool? wantForget)
        {
            int total = 0, correct = 0;
            for (var i = 0; i < labels.Length; i++)
            {
                if (wantForget is { } f && forget[i] != f)
                {
                    continue;
                }

                total++;
                correct += stats.Predicted[i] == labels[i] ? 1 : 0;
            }

            return total == 0 ? 0 : (double)correct / total;
        }

        var retainRows = _split.TrainRetainRows;
        var forgetRows = _split.TrainForgetRows;
        var mia = MembershipInference.EntropyScore(
            retainRows.Select(i => trainStats.Entropy[i]).ToArray(), testStats.Entropy, forgetRows.Select(i => trainStats.Entropy[i]).ToArray(), _miaSeed);
        var efficacy = MembershipInference.ConfidenceEfficacy(
            retainRows.Select(i => trainStats.Confidence[i]).ToArray(), testStats.Confidence, forgetRows.Select(i => trainStats.Confidence[i]).ToArray());
        var classAccuracy = _split.Preset.Classes.Select(c =>
        {
            var rows = Enumerable.Range(0, _split.Test.Count).Where(i => _split.Test.Labels[i] == c).ToArray();
            return rows.Length == 0 ? 0 : rows.Count(i => testStats.Predicted[i] == c) / (double)rows.Length;
        }).ToArray();

        double? overlapRetain = null, overlapForget = null, overlapTest = null, phi = null;
        int[][]? confusionRetain = null, confusionTest = null;
        if (reference is { } r)
        {
            var referenceTrain = SampleStatistics.Of(r.Train, _split.Train.Labels, m);
            var referenceTest = SampleStatistics.Of(r.Test, _split.Test.Labels, m);
            int[] Pick(int[] predicted, int[] rows) => rows.Select(i => predicted[i]).ToArray();
            overlapRetain = OutputAgreement.Overlap(Pick(trainStats.Predicted, retainRows), Pick(referenceTrain.Predicted, retainRows));
            overlapForget = OutputAgreement.Overlap(Pick(trainStats.Predicted, forgetRows), Pick(referenceTrain.Predicted, forgetRows));
            overlapTest = OutputAgreement.Overlap(testStats.Predicted, referenceTest.Predicted);
            // Eq. 8-9 averaged over the samples of D.
            phi = OutputAgreement.UnlearningScore(train, r.Train, m);
            confusionRetain = OutputAgreement.Confusion(Pick(referenceTrain.Predicted, retainRows), Pick(trainStats.Predicted, retainRows), m);
            confusionTest = OutputAgreement.Confusion(referenceTest.Predicted, testStats.Predicted, m);
        }

        return new ModelMetrics(
            Accuracy(trainStats, _split.Train.Labels, _trainForget, false),
            Accuracy(trainStats, _split.Train.Labels, _trainForget, true),
            Accuracy(testStats, _split.Test.Labels, _testForget, false),
            Accuracy(testStats, _split.Test.Labels, _testForget, true),
            Accuracy(testStats, _split.Test.Labels, _testForget, null),
            mia, efficacy, classAccuracy,
            overlapRetain, overlapForget, overlapTest, phi, confusionRetain, confusionTest);
    }

    public void Dispose()
    {
        _trainImages.Dispose();
        _testImages.Dispose();
    }
}
