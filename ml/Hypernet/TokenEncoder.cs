using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// G.pt's per-token input projections (spec §1.4): token k has its own bias-free <c>Linear(width_k → d)</c>. Tokens of
/// equal width are stored as one [n, width, d] weight and applied with one batched matmul (the spec's proposal), which
/// keeps per-token weights without many small Linear calls.
/// </summary>
public sealed class TokenEncoder : nn.Module<Tensor, Tensor>
{
    private readonly List<Parameter> _weights = [];
    private readonly List<Tensor> _columns = [];
    private readonly Tensor _order;
    private readonly int _tokenCount;
    private readonly (int Group, int Row)[] _slots;

    /// <param name="widths">Token widths in sequence order; the input row is their concatenation.</param>
    public TokenEncoder(IReadOnlyList<int> widths, int width, string name = "encoder") : base(name)
    {
        _tokenCount = widths.Count;
        var starts = new int[widths.Count];
        for (var i = 1; i < widths.Count; i++)
        {
            starts[i] = starts[i - 1] + widths[i - 1];
        }

        var groupedTokens = new List<int>();
        _slots = new (int, int)[widths.Count];
        foreach (var (groupWidth, group) in TokenGroups.Of(widths))
        {
            for (var row = 0; row < group.Length; row++)
            {
                _slots[group[row]] = (_weights.Count, row);
            }

            var weight = new Parameter(empty(group.Length, groupWidth, width));
            nn.init.normal_(weight, 0, 0.02);
            register_parameter($"w{_weights.Count}", weight);
            _weights.Add(weight);
            var columns = group.SelectMany(t => Enumerable.Range(starts[t], groupWidth)).Select(c => (long)c).ToArray();
            var index = tensor(columns);
            register_buffer($"columns{_columns.Count}", index, persistent: false);
            _columns.Add(index);
            groupedTokens.AddRange(group);
        }

        // Group outputs come out grouped; this gathers them back into sequence order.
        var order = new long[widths.Count];
        for (var position = 0; position < groupedTokens.Count; position++)
        {
            order[groupedTokens[position]] = position;
        }

        _order = tensor(order);
        register_buffer("order", _order, persistent: false);
    }

    /// <summary>Input rows [B, Σ widths] to tokens [B, T, d].</summary>
    public override Tensor forward(Tensor row)
    {
        var batch = row.shape[0];
        var outputs = new List<Tensor>(_weights.Count);
        for (var g = 0; g < _weights.Count; g++)
        {
            var w = _weights[g];
            var x = row.index_select(1, _columns[g]).view(batch, w.shape[0], w.shape[1]).transpose(0, 1);   // [n, B, width]
            outputs.Add(x.bmm(w));                                                                               // [n, B, d]
        }

        return cat(outputs, 0).index_select(0, _order).transpose(0, 1);                                        // [B, T, d]
    }

    public int TokenCount => _tokenCount;

    /// <summary>Token <paramref name="token"/>'s projection [width, d]: a view into its group's weight.</summary>
    public Tensor TokenWeight(int token)
    {
        var (group, row) = _slots[token];
        return _weights[group][row];
    }
}
