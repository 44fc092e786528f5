using System.IO.Compression;
using Lethe.ML.Data;

namespace Lethe.ML.Tests;

public class IdxReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lethe-idx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] Idx(byte[] data, params int[] dims)
    {
        var header = new List<byte> { 0, 0, 0x08, (byte)dims.Length };
        foreach (var d in dims)
        {
            header.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        }

        return [.. header, .. data];
    }

    private void Write(string name, byte[] bytes, bool gzip)
    {
        if (!gzip)
        {
            File.WriteAllBytes(Path.Combine(_folder, name), bytes);
            return;
        }

        using var file = File.Create(Path.Combine(_folder, name + ".gz"));
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_images_as_unit_floats_and_labels_from_raw_or_gzip_files(bool gzip)
    {
        var pixels = new byte[3 * 2 * 2] { 0, 255, 51, 102, 1, 2, 3, 4, 10, 20, 30, 40 };
        Write("train-images-idx3-ubyte", Idx(pixels, 3, 2, 2), gzip);
        Write("train-labels-idx1-ubyte", Idx([7, 0, 9], 3), gzip);
        Write("t10k-images-idx3-ubyte", Idx(pixels[..4], 1, 2, 2), gzip);
        Write("t10k-labels-idx1-ubyte", Idx([5], 1), gzip);

        var data = DigitsSource.LoadIdxFolder(_folder);

        Assert.Equal(3, data.Train.Count);
        Assert.Equal(4, data.Train.Width);
        Assert.Equal([7, 0, 9], data.Train.Labels);
        Assert.Equal(1f, data.Train.Pixels[1]);
        Assert.Equal(0.2f, data.Train.Pixels[2], 5);
        Assert.Equal(40 / 255f, data.Train.Pixels[11], 5);
        Assert.Equal([5], data.Test.Labels);
    }

    [Fact]
    public void A_truncated_file_is_rejected_with_what_it_promised()
    {
        Write("x-idx3-ubyte", Idx(new byte[5], 2, 2, 2), gzip: false);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(Path.Combine(_folder, "x-idx3-ubyte")));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        Write("i", Idx(new byte[8], 2, 2, 2), gzip: false);
        Write("l", Idx([1, 2, 3], 3), gzip: false);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadPair(Path.Combine(_folder, "i"), Path.Combine(_folder, "l")));
        Assert.Contains("2 images", error.Message);
    }

    [Fact]
    public void A_folder_without_IDX_files_names_the_missing_file()
    {
        var error = Assert.Throws<FileNotFoundException>(() => DigitsSource.LoadIdxFolder(_folder));
        Assert.Contains("train-images-idx3-ubyte", error.Message);
    }
}
