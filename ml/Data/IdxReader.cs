using System.IO.Compression;

namespace Lethe.ML.Data;

/// <summary>
/// Reads the IDX files every MNIST-family dataset ships in (big-endian header: magic 0x0000 0x08 ndim, then ndim
/// uint32 sizes, then unsigned bytes), raw or gzip-compressed.
/// </summary>
public static class IdxReader
{
    /// <summary>Images as floats in [0, 1], row-major, and their shape (count, rows, columns).</summary>
    public static (float[] Pixels, int Count, int Width) ReadImages(string path)
    {
        var (dims, data) = Read(path);
        if (dims.Length != 3)
        {
            throw new InvalidDataException($"{path} is not an IDX image file: expected 3 dimensions, found {dims.Length}.");
        }

        var pixels = new float[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            pixels[i] = data[i] / 255f;
        }

        return (pixels, dims[0], dims[1] * dims[2]);
    }

    public static int[] ReadLabels(string path)
    {
        var (dims, data) = Read(path);
        if (dims.Length != 1)
        {
            throw new InvalidDataException($"{path} is not an IDX label file: expected 1 dimension, found {dims.Length}.");
        }

        return data.Select(b => (int)b).ToArray();
    }

    public static LabeledImages ReadPair(string imagesPath, string labelsPath)
    {
        var (pixels, count, width) = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != count)
        {
            throw new InvalidDataException($"{imagesPath} holds {count} images but {labelsPath} holds {labels.Length} labels.");
        }

        return new LabeledImages(pixels, labels, width);
    }

    private static (int[] Dims, byte[] Data) Read(string path)
    {
        using var file = File.OpenRead(path);
        using var stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : (Stream)file;
        using var reader = new BinaryReader(stream);
        var header = reader.ReadBytes(4);
        if (header.Length != 4 || header[0] != 0 || header[1] != 0)
        {
            throw new InvalidDataException($"{path} is not an IDX file (bad magic number).");
        }

        if (header[2] != 0x08)
        {
            throw new InvalidDataException($"{path} holds IDX type 0x{header[2]:x2}; only unsigned bytes (0x08) are supported.");
        }

        var dims = new int[header[3]];
        long total = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            var b = reader.ReadBytes(4);
            if (b.Length != 4)
            {
                throw new InvalidDataException($"{path} ends inside its IDX header.");
            }

            dims[i] = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
            total *= dims[i];
        }

        var data = reader.ReadBytes((int)total);
        if (data.Length != total)
        {
            throw new InvalidDataException($"{path} is truncated: its header promises {total} values, it holds {data.Length}.");
        }

        return (dims, data);
    }
}
