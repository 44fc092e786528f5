using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.InvWnn;

/// <summary>
/// The parameter kinds InvWNN has separate predictors for (unlearning-reference.md §2.3): for an MLP, weight matrices
/// (the reference's FC predictor) and bias vectors (its Bias predictor).
/// </summary>
public enum InvWnnKind
{
    Weight,
    Bias,
}

/// <summary>
/// Past-weight prediction for a whole task net: one <see cref="InvWnnNet"/> per <see cref="InvWnnKind"/>, each coordinate
/// routed by the rank of its tensor in the <see cref="ParameterLayout"/>, inputs normalised per coordinate
/// (<see cref="InvWnnWindow.Normalised"/>), residual added to the oldest snapshot.
/// </summary>
public sealed class InvWnnPredictor : IDisposable
{
    public InvWnnPredictor(int seed = 1)
    {
        manual_seed(seed);
        Weights = new InvWnnNet();
        Biases = new InvWnnNet();
    }

    public InvWnnNet Weights { get; }

    public InvWnnNet Biases { get; }

    public InvWnnNet For(InvWnnKind kind) => kind == InvWnnKind.Weight ? Weights : Biases;

    public IEnumerable<TorchSharp.Modules.Parameter> Parameters() => Weights.parameters().Concat(Biases.parameters());

    /// <summary>Which coordinates of a flat vector in <paramref name="layout"/> order are of <paramref name="kind"/>.</summary>
    public static long[] Coordinates(ParameterLayout layout, InvWnnKind kind) =>
        layout.Tensors.Where(t => (t.Shape.Length == 1) == (kind == InvWnnKind.Bias))
            .SelectMany(t => Enumerable.Range(t.Offset, t.Count).Select(i => (long)i)).ToArray();

    /// <summary>Normalised residuals of coordinates whose windows are <paramref name="window"/> [K, N] (oldest first): Δ/s and s.</summary>
    public static (Tensor Residual, Tensor Scale) Forward(InvWnnNet net, Tensor window)
    {
        var (x, d) = InvWnnWindow.Inputs(window);
        var (nx, nd, scale) = InvWnnWindow.Normalised(x, d);
        return (net.forward(nx, nd), scale);
    }

    /// <summary>
    /// θ̂^{t−U} for every coordinate from the <see cref="InvWnnWindow.Snapshots"/> flat snapshots of a trajectory, oldest first.
    /// </summary>
    public float[] PredictPast(ParameterLayout layout, IReadOnlyList<float[]> snapshots)
    {
        if (snapshots.Count != InvWnnWindow.Snapshots || snapshots.Any(s => s.Length != layout.Count))
        {
            throw new ArgumentException($"InvWNN predicts from {InvWnnWindow.Snapshots} snapshots of {layout.Count} parameters; got {snapshots.Count} of [{string.Join(", ", snapshots.Select(s => s.Length).Distinct())}].");
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var window = stack(snapshots.Select(s => tensor(s)).ToArray());
        var past = window[0].clone();
        foreach (var kind in Enum.GetValues<InvWnnKind>())
        {
            var index = tensor(Coordinates(layout, kind));
            if (index.shape[0] == 0)
            {
                continue;
            }

            var part = window.index_select(1, index);
            var (residual, scale) = Forward(For(kind), part);
            past.index_copy_(0, index, part[0] + (residual * scale));
        }

        return past.data<float>().ToArray();
    }

    /// <summary>Writes both predictors to one file (temp + rename).</summary>
    public void Save(string path)
    {
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        using (var writer = new BinaryWriter(stream))
        {
            Weights.save(writer);
            Biases.save(writer);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public static InvWnnPredictor Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No InvWNN predictor at '{path}' (train one with 'lethe train --variant invwnn').", path);
        }

        var predictor = new InvWnnPredictor();
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            predictor.Weights.load(reader);
            predictor.Biases.load(reader);
            return predictor;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            predictor.Dispose();
            throw new InvalidDataException($"'{path}' is not an InvWNN predictor: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        Weights.Dispose();
        Biases.Dispose();
    }
}
