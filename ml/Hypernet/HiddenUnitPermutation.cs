using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// G.pt's permutation augmentation for 784→h→m (spec §5.3): one permutation π of the hidden units reorders the rows of
/// fc1.weight, the entries of fc1.bias and the columns of fc2.weight; fc2.bias keeps the class order. The net computes
/// the same function, so θ and θ* of a pair get the same π and keep their losses.
/// </summary>
public static class HiddenUnitPermutation
{
    /// <summary>Flat gather indices: permuted[i] = flat[index[i]].</summary>
    public static long[] Indices(ParameterLayout layout, IReadOnlyList<int> permutation)
    {
        var a = layout.Architecture;
        if (permutation.Count != a.Hidden || permutation.Distinct().Count() != a.Hidden || permutation.Any(p => p < 0 || p >= a.Hidden))
        {
            throw new ArgumentException($"A permutation of {a.Hidden} hidden units is needed; got [{string.Join(", ", permutation)}].");
        }

        var index = new long[layout.Count];
        int w1 = layout["fc1.weight"].Offset, b1 = layout["fc1.bias"].Offset, w2 = layout["fc2.weight"].Offset, b2 = layout["fc2.bias"].Offset;
        for (var row = 0; row < a.Hidden; row++)
        {
            for (var col = 0; col < a.Input; col++)
            {
                index[w1 + (row * a.Input) + col] = w1 + (permutation[row] * a.Input) + col;
            }

            index[b1 + row] = b1 + permutation[row];
        }

        for (var cls = 0; cls < a.Classes; cls++)
        {
            for (var col = 0; col < a.Hidden; col++)
            {
                index[w2 + (cls * a.Hidden) + col] = w2 + (cls * a.Hidden) + permutation[col];
            }

            index[b2 + cls] = b2 + cls;
        }

        return index;
    }

    /// <summary>Gather indices [B, P] with a fresh random permutation per row.</summary>
    public static Tensor RandomIndices(ParameterLayout layout, int rows, Random rng, Device device)
    {
        var all = new long[rows * (long)layout.Count];
        var permutation = Enumerable.Range(0, layout.Architecture.Hidden).ToArray();
        for (var r = 0; r < rows; r++)
        {
            rng.Shuffle(permutation);
            Indices(layout, permutation).CopyTo(all, r * (long)layout.Count);
        }

        return tensor(all, [rows, layout.Count], device: device);
    }

    /// <summary>Symmetrises a flat vector over all hidden-unit permutations: each hidden unit gets the mean of all units.</summary>
    public static float[] Symmetrised(ParameterLayout layout, ReadOnlySpan<float> flat)
    {
        var a = layout.Architecture;
        var result = flat.ToArray();
        int w1 = layout["fc1.weight"].Offset, b1 = layout["fc1.bias"].Offset, w2 = layout["fc2.weight"].Offset;
        for (var col = 0; col < a.Input; col++)
        {
            var mean = Enumerable.Range(0, a.Hidden).Average(row => result[w1 + (row * a.Input) + col]);
            for (var row = 0; row < a.Hidden; row++)
            {
                result[w1 + (row * a.Input) + col] = (float)mean;
            }
        }

        var biasMean = (float)Enumerable.Range(0, a.Hidden).Average(row => result[b1 + row]);
        Array.Fill(result, biasMean, b1, a.Hidden);
        for (var cls = 0; cls < a.Classes; cls++)
        {
            var mean = (float)Enumerable.Range(0, a.Hidden).Average(col => result[w2 + (cls * a.Hidden) + col]);
            Array.Fill(result, mean, w2 + (cls * a.Hidden), a.Hidden);
        }

        return result;
    }
}
