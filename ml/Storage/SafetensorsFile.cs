using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Lethe.ML.Storage;

/// <summary>
/// The safetensors format as Python's <c>safetensors</c> library reads it: an 8-byte little-endian header length, a
/// JSON header (<c>__metadata__</c> of strings, then per tensor dtype, shape and [begin, end) offsets into the data
/// buffer), padded with spaces to a multiple of 8, then the tensors' bytes back to back.
/// </summary>
public static class SafetensorsFile
{
    private static readonly Dictionary<string, int> DtypeSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    public static byte[] Write(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var t in tensors)
            {
                var expected = t.Shape.Aggregate(1L, (a, b) => a * b) * SizeOf(t.Dtype);
                if (t.Data.Length != expected)
                {
                    throw new ArgumentException($"Tensor '{t.Name}' of shape [{string.Join(", ", t.Shape)}] {t.Dtype} needs {expected} bytes; got {t.Data.Length}.");
                }

                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.Dtype);
                json.WriteStartArray("shape");
                foreach (var d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.Length;
            }

            json.WriteEndObject();
        }

        var padded = (header.Length + 7) / 8 * 8;
        using var file = new MemoryStream();
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        file.Write(length);
        header.WriteTo(file);
        for (var i = header.Length; i < padded; i++)
        {
            file.WriteByte((byte)' ');
        }

        foreach (var t in tensors)
        {
            file.Write(t.Data);
        }

        return file.ToArray();
    }

    public static (IReadOnlyDictionary<string, SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(byte[] bytes, string source = "safetensors data")
    {
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{source} is not a safetensors file: it is {bytes.Length} bytes long.");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
        {
            throw new InvalidDataException($"{source} is not a safetensors file: its header length {headerLength} exceeds the file.");
        }

        var dataStart = 8 + (int)headerLength;
        long dataLength = bytes.Length - dataStart;
        var tensors = new Dictionary<string, SafetensorsTensor>();
        var metadata = new Dictionary<string, string>();
        try
        {
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '));
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source} is not a safetensors file: its header is not a JSON object.");
            }

            foreach (var entry in json.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    foreach (var m in entry.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.GetString() ?? "";
                    }

                    continue;
                }

                tensors[entry.Name] = ReadTensor(bytes, dataStart, dataLength, entry, source);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or DecoderFallbackException)
        {
            throw new InvalidDataException($"{source} is not a safetensors file: its header is malformed ({e.Message}).", e);
        }

        return (tensors, metadata);
    }

    /// <summary>
    /// Where a tensor's bytes start in the file: after the 8-byte length and the header, at its first data offset. For
    /// files <see cref="Read"/> accepted (it checks the offsets); a source that maps the file reads the tensor there.
    /// </summary>
    public static long FileOffsetOf(byte[] bytes, string name)
    {
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '));
        return json.RootElement.TryGetProperty(name, out var entry)
            ? 8 + headerLength + entry.GetProperty("data_offsets")[0].GetInt64()
            : throw new InvalidDataException($"The safetensors file has no '{name}' tensor.");
    }

    /// <summary>
    /// One tensor entry, checked completely before any byte is copied: a known dtype, a shape of non-negative
    /// dimensions whose byte count does not overflow, and exactly two ordered <c>data_offsets</c> inside the data buffer
    /// spanning exactly that count.
    /// </summary>
    private static SafetensorsTensor ReadTensor(byte[] bytes, int dataStart, long dataLength, JsonProperty entry, string source)
    {
        var name = entry.Name;
        if (entry.Value.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: tensor '{name}' is not an object with dtype, shape and data_offsets.");
        }

        var dtype = entry.Value.GetProperty("dtype").GetString()
            ?? throw new InvalidDataException($"{source}: tensor '{name}' has no dtype.");
        var size = SizeOf(dtype);
        var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.TryGetInt64(out var v) && v >= 0
            ? v
            : throw new InvalidDataException($"{source}: tensor '{name}' has shape dimension {d.GetRawText()}; dimensions are non-negative integers.")).ToArray();
        long elements = 1;
        foreach (var d in shape)
        {
            if (d != 0 && elements > dataLength / d)
            {
                throw new InvalidDataException($"{source}: tensor '{name}' has shape [{string.Join(", ", shape)}], larger than the file's {dataLength} data bytes.");
            }

            elements *= d;
        }

        var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.TryGetInt64(out var v)
            ? v
            : throw new InvalidDataException($"{source}: tensor '{name}' has data offset {d.GetRawText()}; offsets are integers.")).ToArray();
        if (offsets.Length != 2)
        {
            throw new InvalidDataException($"{source}: tensor '{name}' has {offsets.Length} data_offsets; it needs exactly two ([begin, end)).");
        }

        if (offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
        {
            throw new InvalidDataException($"{source}: tensor '{name}' has data_offsets [{offsets[0]}, {offsets[1]}]; they must be ordered and inside the {dataLength} data bytes.");
        }

        if (elements > dataLength / size || offsets[1] - offsets[0] != elements * size)
        {
            throw new InvalidDataException($"{source}: tensor '{name}' of shape [{string.Join(", ", shape)}] {dtype} needs {elements}x{size} bytes; its data_offsets span {offsets[1] - offsets[0]}.");
        }

        return new SafetensorsTensor(name, dtype, shape, bytes.AsSpan(dataStart + (int)offsets[0], (int)(offsets[1] - offsets[0])).ToArray());
    }

    private static int SizeOf(string dtype) =>
        DtypeSizes.TryGetValue(dtype, out var size)
            ? size
            : throw new InvalidDataException($"Unsupported safetensors dtype '{dtype}'; supported: {string.Join(", ", DtypeSizes.Keys)}.");
}
