using Lethe.ML.Collection;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Evaluation;

/// <summary>
/// What unlearning methods may measure while they work: accuracy of many candidate nets on the retain and forget parts
/// of the validation split (best-of-N selection, stopping rules, hyper-parameter choice) and per-class validation losses
/// (DiHyFo-1's "current losses"). It never touches T. For random-sample forgetting the forget side is D_f itself and
/// the retain side the validation split (<see cref="ForgetSplit.Probe"/>).
/// </summary>
public sealed class ValidationProbe : IDisposable
{
    private readonly ParameterLayout _layout;
    private readonly PerClassEvaluator _perClass;
    private readonly Tensor _forgetMask;
    private readonly Tensor _retainMask;

    public ValidationProbe(ForgetSplit split, Device? device = null)
    {
        if (split.Validation.Count == 0)
        {
            throw new ArgumentException("The validation split is empty.");
        }

        var (images, forgetFlags) = split.Probe();
        _layout = ParameterLayout.For(split.Preset.Architecture);
        _perClass = new PerClassEvaluator(images, _layout.Architecture.Classes, device ?? CPU);
        var forget = forgetFlags.Select(f => f ? 1f : 0f).ToArray();
        _forgetMask = tensor(forget, device: device);
        _retainMask = tensor(forget.Select(f => 1 - f).ToArray(), device: device);
        ForgetCount = (int)forget.Sum();
        RetainCount = images.Count - ForgetCount;
    }

    public int ForgetCount { get; }

    public int RetainCount { get; }

    /// <summary>Forget and retain accuracy on the validation split of each row of <paramref name="flat"/> [K, P].</summary>
    public (double[] Forget, double[] Retain) Accuracy(Tensor flat)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return AccuracyOf(Logits(flat));
    }

    /// <summary>Mean softmax entropy (nats) of each row of <paramref name="flat"/> [K, P] on the forget samples of the validation split.</summary>
    public double[] ForgetEntropy(Tensor flat)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return ForgetEntropyOf(Logits(flat));
    }

    /// <summary><see cref="Accuracy(Tensor)"/> and <see cref="ForgetEntropy(Tensor)"/> from one forward pass.</summary>
    public (double[] Forget, double[] Retain, double[] ForgetEntropy) AccuracyAndForgetEntropy(Tensor flat)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logits = Logits(flat);
        var (forget, retain) = AccuracyOf(logits);
        return (forget, retain, ForgetEntropyOf(logits));
    }

    /// <summary>
    /// How far each row of <paramref name="candidates"/> [K, P] predicts from each net of <paramref name="references"/>
    /// [R, P]: the Jensen-Shannon divergence (nats) of their softmax outputs, averaged over every sample of the validation
    /// split (forget and retain), as [K][R]. φ (HyperForget Eq. 9) is one minus the same divergence to the retrained model,
    /// on the training data.
    /// </summary>
    public double[][] DivergenceTo(Tensor candidates, Tensor references)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logQ = nn.functional.log_softmax(Logits(references), 2).unsqueeze(0);   // [1, R, N, m]
        var q = logQ.exp();
        var qSelf = (q * logQ).sum(3);                                              // [1, R, N]
        var half = tensor(0.5f, device: q.device);
        // Candidates a few at a time: the mixture and its two xlogy terms are [k, R, N, m] each, so k is chosen to keep
        // each near a million floats (4 MB) however many references and samples there are.
        var perChunk = (int)Math.Max(1, 1_000_000 / Math.Max(1, q.numel()));
        var result = new List<double[]>();
        for (long start = 0; start < candidates.shape[0]; start += perChunk)
        {
            using var chunkScope = NewDisposeScope();
            var logP = nn.functional.log_softmax(Logits(candidates.narrow(0, start, Math.Min(perChunk, candidates.shape[0] - start))), 2).unsqueeze(1);   // [k, 1, N, m]
            var p = logP.exp();
            var mixture = (p + q) * half;
            // KL(p‖M) + KL(q‖M) with 0·log 0 = 0 (xlogy), halved.
            var divergence = ((p * logP).sum(3) - p.xlogy(mixture).sum(3) + qSelf - q.xlogy(mixture).sum(3)) * half;   // [k, R, N]
            var perReference = divergence.mean([2]).cpu().data<float>().ToArray();   // [k, R]
            result.AddRange(perReference.Chunk((int)q.shape[1]).Select(row => row.Select(v => (double)v).ToArray()));
        }

        return result.ToArray();
    }

    public (double Forget, double Retain) Accuracy(float[] flat)
    {
        using var scope = NewDisposeScope();
        var (forget, retain) = Accuracy(tensor(flat, [1, flat.Length]));
        return (forget[0], retain[0]);
    }

    /// <summary>Per-class mean cross-entropy on the validation split, [m], of one net.</summary>
    public float[] ClassLosses(float[] flat)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return _perClass.EvaluateRows(_layout, tensor(flat, [1, flat.Length], device: _perClass.Images.device)).Loss[0].cpu().data<float>().ToArray();
    }

    private Tensor Logits(Tensor flat) => BatchedMlp.Logits(_layout, flat.to(_perClass.Images.device), _perClass.Images);   // [K, N, m]

    private (double[] Forget, double[] Retain) AccuracyOf(Tensor logits)
    {
        var correct = logits.argmax(2).eq(_perClass.Labels.unsqueeze(0)).to(ScalarType.Int64);
        return (PerRowShareCorrect(correct, _forgetMask, ForgetCount), PerRowShareCorrect(correct, _retainMask, RetainCount));
    }

    /// <summary>
    /// The share of correct samples [K, N] among those a mask selects, per row: an integer count divided in double by the
    /// number selected, so a figure is k/n itself (1 when every sample is right), not k/n rounded to float32.
    /// </summary>
    private static double[] PerRowShareCorrect(Tensor correct, Tensor mask, int count) =>
        correct.mul(mask.to(ScalarType.Int64)).sum(1).cpu().data<long>().Select(c => (double)c / Math.Max(1, count)).ToArray();

    private double[] ForgetEntropyOf(Tensor logits)
    {
        var logProbabilities = nn.functional.log_softmax(logits, 2);
        return PerRowMean(-(logProbabilities.exp() * logProbabilities).sum(2), _forgetMask, ForgetCount);
    }

    /// <summary>The mean of a per-sample value [K, N] over the samples a mask selects, per row.</summary>
    private static double[] PerRowMean(Tensor perSample, Tensor mask, int count) =>
        (perSample.matmul(mask) / Math.Max(1, count)).cpu().data<float>().Select(v => (double)v).ToArray();

    public void Dispose()
    {
        _perClass.Dispose();
        _forgetMask.Dispose();
        _retainMask.Dispose();
    }
}
