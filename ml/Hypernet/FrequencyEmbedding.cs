using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// G.pt's parameter-free scalar embedding (spec §2.2): x ↦ [sin(f_1 x)…sin(f_F x), cos(f_1 x)…cos(f_F x), x] with
/// f_k = 2^linspace(0, maxLog2, F). Raw values go in: the timestep index 0..999 and the cross-entropy losses, unscaled.
/// A vector is embedded elementwise and flattened, each element's 2F+1 block kept together.
/// </summary>
public sealed class FrequencyEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Tensor _frequencies;

    public FrequencyEmbedding(int frequencies, double maxLog2) : base("frequency_embedding")
    {
        Frequencies = frequencies;
        _frequencies = pow(2.0, linspace(0, maxLog2, frequencies, dtype: ScalarType.Float32));
        register_buffer("frequencies", _frequencies, persistent: false);
    }

    public int Frequencies { get; }

    /// <summary>Features per scalar: 2F + 1.</summary>
    public int FeaturesPerValue => (2 * Frequencies) + 1;

    /// <summary>[B, k] to [B, k·(2F+1)].</summary>
    public override Tensor forward(Tensor values)
    {
        var x = values.to(ScalarType.Float32).unsqueeze(-1);   // [B, k, 1]
        var angles = x * _frequencies;                        // [B, k, F]
        return cat([angles.sin(), angles.cos(), x], -1).flatten(1);
    }
}
