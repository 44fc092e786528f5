namespace Lethe.ML.Nets;

/// <summary>One tensor of a flat parameter vector.</summary>
public sealed record ParameterTensor(string Name, long[] Shape, int Offset)
{
    public int Count => (int)Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The single source of truth for flat parameter vectors: tensor names, shapes and offsets in PyTorch state-dict order
/// (<c>fc1.weight, fc1.bias, fc2.weight, fc2.bias</c>, each flattened row-major). Checkpoints, tokenization, permutation
/// augmentation and loading weights into a net all go through it.
/// </summary>
public sealed class ParameterLayout
{
    private ParameterLayout(MlpArchitecture architecture, IReadOnlyList<ParameterTensor> tensors)
    {
        Architecture = architecture;
        Tensors = tensors;
        Count = tensors.Sum(t => t.Count);
    }

    public MlpArchitecture Architecture { get; }

    public IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>Total number of parameters P.</summary>
    public int Count { get; }

    public ParameterTensor this[string name] =>
        Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"No tensor '{name}' in layout {Architecture}; it has {string.Join(", ", Tensors.Select(t => t.Name))}.");

    public static ParameterLayout For(MlpArchitecture a)
    {
        var shapes = new (string Name, long[] Shape)[]
        {
            ("fc1.weight", [a.Hidden, a.Input]),
            ("fc1.bias", [a.Hidden]),
            ("fc2.weight", [a.Classes, a.Hidden]),
            ("fc2.bias", [a.Classes]),
        };
        var tensors = new List<ParameterTensor>();
        var offset = 0;
        foreach (var (name, shape) in shapes)
        {
            var tensor = new ParameterTensor(name, shape, offset);
            tensors.Add(tensor);
            offset += tensor.Count;
        }

        return new ParameterLayout(a, tensors);
    }

    /// <summary>
    /// PyTorch's default <c>nn.Linear</c> initialisation (weights and biases uniform in ±1/sqrt(fan_in)), drawn from
    /// <paramref name="seed"/> alone so a run starts identically whichever engine or batch trains it.
    /// </summary>
    public float[] InitialParameters(int seed)
    {
        var rng = new Random(seed);
        var flat = new float[Count];
        foreach (var t in Tensors)
        {
            var fanIn = t.Name.StartsWith("fc1", StringComparison.Ordinal) ? Architecture.Input : Architecture.Hidden;
            var bound = 1.0 / Math.Sqrt(fanIn);
            for (var i = 0; i < t.Count; i++)
            {
                flat[t.Offset + i] = (float)(((rng.NextDouble() * 2) - 1) * bound);
            }
        }

        return flat;
    }
}
