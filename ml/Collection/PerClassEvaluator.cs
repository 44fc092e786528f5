using Lethe.ML.Data;
using static TorchSharp.torch;

namespace Lethe.ML.Collection;

/// <summary>
/// Per-class test loss and accuracy of many nets at once — the conditioning DiHyFo learns from. Per-sample values are
/// averaged within each class by one matmul with a class-membership matrix whose columns sum to 1.
/// </summary>
public sealed class PerClassEvaluator : IDisposable
{
    private readonly Tensor _labels;
    private readonly Tensor _classMeans;

    public PerClassEvaluator(LabeledImages test, int classCount, Device device)
    {
        Images = test.ImagesTensor(device);
        _labels = test.LabelsTensor(device);
        var counts = Enumerable.Range(0, classCount).Select(c => Math.Max(1, test.CountOf(c))).ToArray();
        var means = new float[test.Count * classCount];
        for (var i = 0; i < test.Count; i++)
        {
            means[(i * classCount) + test.Labels[i]] = 1f / counts[test.Labels[i]];
        }

        _classMeans = tensor(means, [test.Count, classCount], device: device);
    }

    public Tensor Images { get; }

    /// <summary>Per-class mean cross-entropy and accuracy, each [K, m], from logits [K, N, m].</summary>
    public (Tensor Loss, Tensor Accuracy) Evaluate(Tensor logits)
    {
        var k = logits.shape[0];
        var n = logits.shape[1];
        var labels = _labels.view(1, n, 1).expand(k, n, 1);
        var nll = -nn.functional.log_softmax(logits, 2).gather(2, labels).squeeze(2);
        var correct = logits.argmax(2).eq(_labels.view(1, n)).to(ScalarType.Float32);
        return (nll.matmul(_classMeans), correct.matmul(_classMeans));
    }

    public void Dispose()
    {
        Images.Dispose();
        _labels.Dispose();
        _classMeans.Dispose();
    }
}
