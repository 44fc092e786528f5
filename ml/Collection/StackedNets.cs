using static TorchSharp.torch;

namespace Lethe.ML.Collection;

/// <summary>
/// K two-layer nets stored stacked — W1 [K,h,in], b1 [K,h], W2 [K,m,h], b2 [K,m] — with their gradients written out by
/// hand. For nets this small autograd's graph bookkeeping costs more than the arithmetic; the per-run autograd loop
/// (<see cref="PerRunCollector"/>) checks these formulas checkpoint by checkpoint.
/// Activations are kept class-major ([K, m, samples]): reductions over the 2-10 classes then run across contiguous
/// rows of samples, where PyTorch's CPU kernels vectorise, instead of along a 4-wide innermost axis, where they do not
/// (a log-softmax or argmax over dim 2 of [512, 829, 4] costs 10-80 ms, the class-major versions under 2 ms).
/// </summary>
public sealed record StackedNets(Tensor W1, Tensor B1, Tensor W2, Tensor B2)
{
    public Tensor[] Tensors { get; } = [W1, B1, W2, B2];

    public (Tensor, Tensor, Tensor, Tensor) AsTuple() => (W1, B1, W2, B2);

    /// <summary>Pre-activations of the hidden layer [K·h, N] and class-major logits [K, m, N] for inputs x [N, in].</summary>
    public (Tensor PreActivation, Tensor Logits) Forward(Tensor x)
    {
        var k = W1.shape[0];
        var h = W1.shape[1];
        var n = x.shape[0];
        var a = W1.view(k * h, -1).matmul(x.t()).add_(B1.view(k * h, 1));                  // [K·h, N]
        var z = W2.bmm(nn.functional.relu(a).view(k, h, n)).add_(B2.unsqueeze(2));           // [K, m, N]
        return (a, z);
    }

    /// <summary>
    /// Gradients of every run's class-weighted mean cross-entropy on one shared minibatch x [B,in] (class-major one-hot
    /// labels [m,B], per-run sample weights [K,B]):
    /// <code>
    /// A = W1 xᵀ + b1, H = relu(A), Z = W2 H + b2, L_k = Σ_b w_kb CE(Z_k·b, y_b) / Σ_b w_kb
    /// dZ = (softmax(Z) − Y) · w/Σw,  dW2 = dZ Hᵀ,  db2 = Σ_b dZ,  dA = (W2ᵀ dZ) ⊙ [A > 0],  dW1 = dA x,  db1 = Σ_b dA
    /// </code>
    /// </summary>
    public Tensor[] Gradients(Tensor x, Tensor oneHotClassMajor, Tensor sampleWeights)
    {
        var k = W1.shape[0];
        var h = W1.shape[1];
        var b = x.shape[0];
        var (a, z) = Forward(x);
        var hidden = nn.functional.relu(a).view(k, h, b);                                     // [K, h, B]
        var scale = sampleWeights / sampleWeights.sum(1, keepdim: true).clamp_min(1e-8);     // [K, B]
        var dz = nn.functional.softmax(z, 1).sub_(oneHotClassMajor.unsqueeze(0)).mul_(scale.unsqueeze(1));   // [K, m, B]
        var dw2 = dz.bmm(hidden.transpose(1, 2));                                             // [K, m, h]
        var db2 = dz.sum(2);
        var da = W2.transpose(1, 2).bmm(dz).view(k * h, b).mul_(a.gt(0));                     // [K·h, B]
        var dw1 = da.matmul(x).view(k, h, -1);                                                // [K, h, in]
        var db1 = da.sum(1).view(k, h);
        return [dw1, db1, dw2, db2];
    }
}
