namespace Lethe.ML.Storage;

/// <summary>One tensor of a safetensors file: its dtype name (F32, I32, I64, ...), shape and raw little-endian bytes.</summary>
public sealed record SafetensorsTensor(string Name, string Dtype, long[] Shape, byte[] Data)
{
    public static SafetensorsTensor Of(string name, float[] values, params long[] shape) =>
        new(name, "F32", shape, ToBytes<float>(values));

    public static SafetensorsTensor Of(string name, int[] values, params long[] shape) =>
        new(name, "I32", shape, ToBytes<int>(values));

    public float[] AsFloats() => FromBytes<float>("F32");

    public int[] AsInts() => FromBytes<int>("I32");

    private T[] FromBytes<T>(string dtype) where T : unmanaged
    {
        if (Dtype != dtype)
        {
            throw new InvalidDataException($"Tensor '{Name}' has dtype {Dtype}; expected {dtype}.");
        }

        var values = new T[Data.Length / System.Runtime.CompilerServices.Unsafe.SizeOf<T>()];
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Data).CopyTo(values);
        return values;
    }

    // safetensors is little-endian; so is every platform .NET runs TorchSharp on.
    private static byte[] ToBytes<T>(T[] values) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
