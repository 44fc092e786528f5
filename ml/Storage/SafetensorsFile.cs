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
        var tensors = new Dictionary<string, SafetensorsTensor>();
        var metadata = new Dictionary<string, string>();
        try
        {
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '));
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

                var dtype = entry.Value.GetProperty("dtype").GetString()!;
                var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                var length = offsets[1] - offsets[0];
                if (offsets[0] < 0 || length != shape.Aggregate(1L, (a, b) => a * b) * SizeOf(dtype) || dataStart + offsets[1] > bytes.Length)
                {
                    throw new InvalidDataException($"{source}: tensor '{entry.Name}' has offsets that do not match its shape or the file size.");
                }

                tensors[entry.Name] = new SafetensorsTensor(entry.Name, dtype, shape, bytes.AsSpan(dataStart + (int)offsets[0], (int)length).ToArray());
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source} is not a safetensors file: its header is malformed ({e.Message}).", e);
        }

        return (tensors, metadata);
    }

    private static int SizeOf(string dtype) =>
        DtypeSizes.TryGetValue(dtype, out var size)
            ? size
            : throw new InvalidDataException($"Unsupported safetensors dtype '{dtype}'; supported: {string.Join(", ", DtypeSizes.Keys)}.");
}
