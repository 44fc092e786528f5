using Lethe.ML.HeldScalars;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// G.pt's pre-LayerNorm block (spec §3.1): x += Attn(LN(x)); x += MLP(LN(x)), MLP = Linear(d,4d) → GELU → Linear(4d,d).
/// Attention has no mask (every token sees every token) and no dropout. Q, K and V come from one d→3d linear with bias,
/// which equals G.pt's three separate biased linears and is one matmul instead of three.
/// </summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    // Field names become parameter names (ln1.weight, qkv.bias, ...) through RegisterComponents.
#pragma warning disable IDE1006
    private readonly LayerNorm ln1;
    private readonly LayerNorm ln2;
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly Linear fc;
    private readonly Linear fcOut;
#pragma warning restore IDE1006
    private readonly int _heads;

    public TransformerBlock(int width, int heads, string name = "block") : base(name)
    {
        _heads = heads;
        ln1 = nn.LayerNorm(width);
        ln2 = nn.LayerNorm(width);
        qkv = nn.Linear(width, 3 * width);
        proj = nn.Linear(width, width);
        fc = nn.Linear(width, 4 * width);
        fcOut = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var (batch, tokens, width) = (x.shape[0], x.shape[1], x.shape[2]);
        var q = qkv.forward(ln1.forward(x)).view(batch, tokens, 3, _heads, width / _heads).permute(2, 0, 3, 1, 4);   // [3, B, H, T, hd]
        var attended = nn.functional.scaled_dot_product_attention(q[0], q[1], q[2]);                                  // [B, H, T, hd]
        x = x.Plus(proj.forward(attended.transpose(1, 2).reshape(batch, tokens, width)));
        return x.Plus(fcOut.forward(nn.functional.gelu(fc.forward(ln2.forward(x)))));
    }
}
