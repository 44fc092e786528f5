using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// G.pt's output heads (spec §1.5): transformer position k is decoded by its own bias-free <c>Linear(d → width_k)</c>,
/// zero-initialised so that an untrained model predicts "no change" from its residual base. Equal-width heads share one
/// [n, d, width] weight and one batched matmul.
/// </summary>
public sealed class TokenHeads : nn.Module<Tensor, Tensor>
{
    private readonly List<Parameter> _weights = [];
    private readonly List<Tensor> _positions = [];
    private readonly Tensor _order;

    /// <param name="widths">Width of the token at each of the first <c>widths.Count</c> positions; outputs concatenate in that order.</param>
    public TokenHeads(IReadOnlyList<int> widths, int width, string name = "heads") : base(name)
    {
        var groupedColumns = new List<int>();
        var starts = new int[widths.Count];
        for (var i = 1; i < widths.Count; i++)
        {
            starts[i] = starts[i - 1] + widths[i - 1];
        }

        foreach (var (groupWidth, group) in TokenGroups.Of(widths))
        {
            var weight = new Parameter(zeros(group.Length, width, groupWidth));
            register_parameter($"w{_weights.Count}", weight);
            _weights.Add(weight);
            var positions = tensor(group.Select(t => (long)t).ToArray());
            register_buffer($"positions{_positions.Count}", positions, persistent: false);
            _positions.Add(positions);
            groupedColumns.AddRange(group.SelectMany(t => Enumerable.Range(starts[t], groupWidth)));
        }

        var order = new long[groupedColumns.Count];
        for (var i = 0; i < groupedColumns.Count; i++)
        {
            order[groupedColumns[i]] = i;
        }

        _order = tensor(order);
        register_buffer("order", _order, persistent: false);
    }

    /// <summary>Transformer outputs [B, T, d] to the flat vector [B, Σ widths] of the first positions.</summary>
    public override Tensor forward(Tensor hidden)
    {
        var batch = hidden.shape[0];
        var outputs = new List<Tensor>(_weights.Count);
        for (var g = 0; g < _weights.Count; g++)
        {
            var h = hidden.index_select(1, _positions[g]).transpose(0, 1);          // [n, B, d]
            outputs.Add(h.bmm(_weights[g]).transpose(0, 1).reshape(batch, -1));  // [B, n·width]
        }

        return cat(outputs, 1).index_select(1, _order);
    }
}
