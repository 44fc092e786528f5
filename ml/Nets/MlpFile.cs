using Lethe.ML.Storage;

namespace Lethe.ML.Nets;

/// <summary>
/// An MLP state dict as a safetensors file (<c>fc1.weight [h,in]</c>, <c>fc1.bias [h]</c>, <c>fc2.weight [m,h]</c>,
/// <c>fc2.bias [m]</c>, F32), the way PyTorch's <c>save_file(model.state_dict())</c> writes it.
/// </summary>
public static class MlpFile
{
    public static byte[] Serialize(ParameterLayout layout, ReadOnlySpan<float> flat, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (flat.Length != layout.Count)
        {
            throw new ArgumentException($"A {layout.Architecture} MLP has {layout.Count} parameters; got {flat.Length}.");
        }

        var values = flat.ToArray();
        return SafetensorsFile.Write(
            layout.Tensors.Select(t => SafetensorsTensor.Of(t.Name, values[t.Offset..(t.Offset + t.Count)], t.Shape)).ToList(),
            metadata);
    }

    public static void Save(string path, ParameterLayout layout, ReadOnlySpan<float> flat, IReadOnlyDictionary<string, string>? metadata = null) =>
        ShardFolder.WriteAtomically(path, Serialize(layout, flat, metadata));

    /// <summary>
    /// Reads a state dict; with <paramref name="expected"/> set, a file of another architecture is rejected with both named.
    /// </summary>
    public static (ParameterLayout Layout, float[] Flat, IReadOnlyDictionary<string, string> Metadata) Load(string path, MlpArchitecture? expected = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot read model file {path}: {e.Message}", e);
        }

        return Deserialize(bytes, path, expected);
    }

    public static (ParameterLayout Layout, float[] Flat, IReadOnlyDictionary<string, string> Metadata) Deserialize(byte[] bytes, string source, MlpArchitecture? expected = null)
    {
        var (tensors, metadata) = SafetensorsFile.Read(bytes, source);
        string[] names = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];
        var missing = names.Where(n => !tensors.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidDataException($"{source} is not an MLP state dict: it lacks {string.Join(", ", missing)} (expected {string.Join(", ", names)}).");
        }

        var w1 = tensors["fc1.weight"].Shape;
        var w2 = tensors["fc2.weight"].Shape;
        if (w1.Length != 2 || w2.Length != 2 || w2[1] != w1[0])
        {
            throw new InvalidDataException($"{source}: fc1.weight [{string.Join(",", w1)}] and fc2.weight [{string.Join(",", w2)}] do not form an MLP.");
        }

        if (w1.Concat(w2).Any(d => d is < 1 or > int.MaxValue))
        {
            throw new InvalidDataException($"{source}: fc1.weight [{string.Join(",", w1)}] and fc2.weight [{string.Join(",", w2)}] need dimensions from 1 to {int.MaxValue}.");
        }

        var architecture = new MlpArchitecture((int)w1[1], (int)w1[0], (int)w2[0]);
        if (expected is not null && architecture != expected)
        {
            throw new InvalidDataException($"{source} holds a {architecture} MLP; this preset needs {expected}.");
        }

        var layout = ParameterLayout.For(architecture);
        var flat = new float[layout.Count];
        foreach (var t in layout.Tensors)
        {
            var tensor = tensors[t.Name];
            if (!tensor.Shape.SequenceEqual(t.Shape))
            {
                throw new InvalidDataException($"{source}: {t.Name} has shape [{string.Join(",", tensor.Shape)}]; a {architecture} MLP needs [{string.Join(",", t.Shape)}].");
            }

            tensor.AsFloats().CopyTo(flat, t.Offset);
        }

        return (layout, flat, metadata);
    }

    /// <summary>Throws naming the first tensor and index holding NaN or an infinity.</summary>
    public static void RequireFinite(ParameterLayout layout, ReadOnlySpan<float> flat, string source)
    {
        foreach (var t in layout.Tensors)
        {
            var slice = flat.Slice(t.Offset, t.Count);
            for (var i = 0; i < slice.Length; i++)
            {
                if (!float.IsFinite(slice[i]))
                {
                    throw new InvalidDataException($"{source}: {t.Name} holds {slice[i]} at index {i}; every weight must be a finite number.");
                }
            }
        }
    }
}
