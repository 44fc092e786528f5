using System.Buffers.Binary;
using System.Text;
using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.ML.Tests;

/// <summary>
/// A model upload is read completely before any work: every malformed file is an <see cref="InvalidDataException"/>
/// naming what is wrong (never an index, overflow or cast exception), and non-finite weights are refused by name.
/// </summary>
public sealed class SafetensorsHostileInputTests
{
    private static readonly MlpArchitecture Mnist4 = TaskPreset.Mnist4.Architecture;

    [Theory]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[0]}}""", "exactly two")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[6272,0]}}""", "ordered")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[-8,6264]}}""", "ordered")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[0,99999999999]}}""", "inside")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""", "larger than the file")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[-1,784],"data_offsets":[0,6272]}}""", "non-negative")]
    [InlineData("""{"fc1.weight":{"dtype":"Q4","shape":[2,784],"data_offsets":[0,6272]}}""", "dtype 'Q4'")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[0,6268]}}""", "span")]
    [InlineData("""{"fc1.weight":[1]}""", "not an object")]
    [InlineData("""[1]""", "not a JSON object")]
    [InlineData("""{"fc1.weight":""", "malformed")]
    public void Crafted_headers_are_refused_naming_the_problem(string header, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(Crafted(header, 6400), "upload"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_dimension_beside_a_huge_one_is_refused_by_the_mlp_reader_without_overflow()
    {
        var header = """{"fc1.weight":{"dtype":"F32","shape":[0,9223372036854775807],"data_offsets":[0,0]},"fc1.bias":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"fc2.weight":{"dtype":"F32","shape":[4,0],"data_offsets":[0,0]},"fc2.bias":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""";

        var error = Assert.Throws<InvalidDataException>(() => MlpFile.Deserialize(Crafted(header, 16), "upload"));

        Assert.Contains("dimensions from 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncations_random_bytes_and_flipped_header_bytes_only_ever_fail_as_invalid_data()
    {
        var layout = ParameterLayout.For(Mnist4);
        var model = MlpFile.Serialize(layout, layout.InitialParameters(3));
        var random = new Random(22);
        var cases = Enumerable.Range(0, model.Length).Where(i => i % 97 == 0).Select(cut => model[..cut]).ToList();
        for (var i = 0; i < 300; i++)
        {
            var noise = new byte[random.Next(0, 4000)];
            random.NextBytes(noise);
            if (noise.Length >= 8 && i % 2 == 0)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(noise, (ulong)random.Next(noise.Length - 7));
            }

            cases.Add(noise);
            var flipped = model.ToArray();
            flipped[8 + random.Next(200)] = (byte)random.Next(256);
            cases.Add(flipped);
        }

        foreach (var bytes in cases)
        {
            try
            {
                MlpFile.Deserialize(bytes, "upload", Mnist4);
            }
            catch (InvalidDataException)
            {
                // The only failure a caller may see.
            }
        }
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_non_finite_weight_is_refused_naming_its_tensor(float value)
    {
        var layout = ParameterLayout.For(Mnist4);
        var flat = layout.InitialParameters(3);
        var fc2 = layout.Tensors.Single(t => t.Name == "fc2.weight");
        flat[fc2.Offset + 1] = value;
        var (read, parameters, _) = MlpFile.Deserialize(MlpFile.Serialize(layout, flat), "upload", Mnist4);

        var error = Assert.Throws<InvalidDataException>(() => MlpFile.RequireFinite(read, parameters, "upload"));

        Assert.Contains("fc2.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("index 1", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Crafted(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }
}
