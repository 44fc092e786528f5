using static TorchSharp.torch;

namespace Lethe.ML.Collection;

/// <summary>
/// K two-layer nets stored stacked — W1 [K,h,in], b1 [K,h], W2 [K,m,h], b2 [K,m] — with their gradients written out by
/// hand. For nets this small autograd's graph bookkeeping costs more than the arithmetic; the per-run autograd loop
/// (<see cref="PerRunCollector"/>) checks these formulas checkpoint by checkpoint.
/// </summary>
public sealed record StackedNets(Tensor W1, Tensor B1, Tensor W2, Tensor B2)
{
    public Tensor[] Tensors { get; } = [W1, B1, W2, B2];

    public (Tensor, Tensor, Tensor, Tensor) AsTuple() => (W1, B1, W2, B2);

    /// <summary>
    /// Gradients of every run's class-weighted mean cross-entropy on one shared minibatch x [B,in] (one-hot labels [B,m],
    /// per-run sample weights [K,B]):
    /// <code>
    /// A = x W1ᵀ + b1, H = relu(A), Z = H W2ᵀ + b2, L_k = Σ_b w_kb CE(Z_kb, y_b) / Σ_b w_kb
    /// dZ = (softmax(Z) − Y) · w/Σw,  dW2 = dZᵀ H,  db2 = Σ_b dZ,  dA = (dZ W2) ⊙ [A > 0],  dW1 = dAᵀ x,  db1 = Σ_b dA
    /// </code>
    /// </summary>
    public Tensor[] Gradients(Tensor x, Tensor oneHot, Tensor sampleWeights)
    {
        var k = W1.shape[0];
        var h = W1.shape[1];
        var b = x.shape[0];
        var a = x.matmul(W1.view(k * h, -1).t()).add_(B1.view(1, k * h));                  // [B, K·h]
        var hidden = nn.functional.relu(a).view(b, k, h).transpose(0, 1);                    // [K, B, h]
        var z = hidden.bmm(W2.transpose(1, 2)).add_(B2.unsqueeze(1));                         // [K, B, m]
        var scale = sampleWeights / sampleWeights.sum(1, keepdim: true).clamp_min(1e-8);     // [K, B]
        var dz = nn.functional.softmax(z, 2).sub_(oneHot.unsqueeze(0)).mul_(scale.unsqueeze(2));
        var dw2 = dz.transpose(1, 2).bmm(hidden);                                             // [K, m, h]
        var db2 = dz.sum(1);
        var da = dz.bmm(W2).transpose(0, 1).reshape(b, k * h).mul_(a.gt(0));                  // [B, K·h]
        var dw1 = da.t().matmul(x).view(k, h, -1);                                            // [K, h, in]
        var db1 = da.sum(dim: 0).view(k, h);
        return [dw1, db1, dw2, db2];
    }
}
