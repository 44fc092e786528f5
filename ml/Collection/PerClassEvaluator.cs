using Lethe.ML.Data;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Collection;

/// <summary>
/// Per-class test loss and accuracy of many nets at once — the conditioning DiHyFo learns from. Per-sample losses are
/// averaged within each class by one matmul with a class-membership matrix whose columns sum to 1; accuracies are
/// counts of correct samples over class sizes, so a class where every sample is right reads exactly 1.
/// </summary>
public sealed class PerClassEvaluator : IDisposable
{
    private readonly Tensor _classMeans;
    private readonly Tensor _classMembers;
    private readonly Tensor _classSizes;

    public PerClassEvaluator(LabeledImages test, int classCount, Device device)
    {
        Images = test.ImagesTensor(device);
        Labels = test.LabelsTensor(device);
        var counts = Enumerable.Range(0, classCount).Select(c => Math.Max(1, test.CountOf(c))).ToArray();
        var means = new float[test.Count * classCount];
        var members = new float[test.Count * classCount];
        for (var i = 0; i < test.Count; i++)
        {
            means[(i * classCount) + test.Labels[i]] = 1f / counts[test.Labels[i]];
            members[(i * classCount) + test.Labels[i]] = 1f;
        }

        _classMeans = tensor(means, [test.Count, classCount], device: device);
        _classMembers = tensor(members, [test.Count, classCount], device: device);
        _classSizes = tensor(counts.Select(c => (double)c).ToArray(), device: device);
    }

    public Tensor Images { get; }

    public Tensor Labels { get; }

    /// <summary>
    /// Per-class mean cross-entropy and accuracy, each [K, m] float32, from class-major logits [K, m, N]. A sample counts
    /// as correct when its label's logit is the largest (argmax along the class axis is the one slow kernel here). An
    /// accuracy is the count of correct samples over the class size, divided in double and rounded once to float32: a
    /// float mean of 0/1 values drifts (1.0000018 for a perfect class). The counts come from a matmul with a 0/1
    /// membership matrix, which is exact: every partial sum is an integer below 2^24.
    /// </summary>
    public (Tensor Loss, Tensor Accuracy) Evaluate(Tensor logits)
    {
        var k = logits.shape[0];
        var n = logits.shape[2];
        var labelLogits = logits.gather(1, Labels.view(1, 1, n).expand(k, 1, n)).squeeze(1);   // [K, N]
        var nll = logits.logsumexp(1).sub_(labelLogits);
        var correct = labelLogits.ge(logits.amax(1)).to(ScalarType.Float32);
        var accuracy = correct.matmul(_classMembers).to(ScalarType.Float64).div_(_classSizes).to(ScalarType.Float32);
        return (nll.matmul(_classMeans), accuracy);
    }

    /// <summary>Per-class mean cross-entropy and accuracy, each [K, m], of K nets given as raw parameter rows [K, P].</summary>
    public (Tensor Loss, Tensor Accuracy) EvaluateRows(ParameterLayout layout, Tensor rows) =>
        Evaluate(BatchedMlp.Logits(layout, rows, Images).transpose(1, 2));

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
        _classMeans.Dispose();
        _classMembers.Dispose();
        _classSizes.Dispose();
    }
}
