using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Tests;

public class ParameterLayoutTests
{
    [Fact]
    public void Layout_follows_state_dict_order_and_sizes()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 2, 4));

        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], layout.Tensors.Select(t => t.Name));
        Assert.Equal([0, 1568, 1570, 1578], layout.Tensors.Select(t => t.Offset));
        Assert.Equal(1582, layout.Count);
        Assert.Equal(5575, ParameterLayout.For(new MlpArchitecture(784, 7, 10)).Count);
    }

    [Fact]
    public void Flat_vector_round_trips_through_the_module()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 7, 10));
        var flat = layout.InitialParameters(seed: 5);
        using var mlp = new Mlp(layout.Architecture);

        mlp.LoadFlat(flat);

        Assert.Equal(flat, mlp.ToFlat().data<float>().ToArray());
        Assert.Equal(flat[layout["fc2.weight"].Offset + 3], mlp.state_dict()["fc2.weight"][0, 3].item<float>());
    }

    [Fact]
    public void Batched_logits_equal_each_module_forward()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 2, 4));
        var rows = new[] { 1, 2, 3 }.Select(layout.InitialParameters).ToArray();
        using var inputs = rand(5, 784);

        using var batched = BatchedMlp.Logits(layout, tensor(rows.SelectMany(r => r).ToArray(), [3, layout.Count]), inputs);

        for (var k = 0; k < 3; k++)
        {
            using var mlp = new Mlp(layout.Architecture);
            mlp.LoadFlat(rows[k]);
            Assert.True(allclose(batched[k], mlp.forward(inputs), rtol: 1e-5, atol: 1e-6));
        }
    }

    [Fact]
    public void Loading_a_vector_of_the_wrong_size_names_both_sizes()
    {
        using var mlp = new Mlp(new MlpArchitecture(784, 2, 4));

        var error = Assert.Throws<ArgumentException>(() => mlp.LoadFlat(new float[10]));
        Assert.Contains("1582", error.Message);
    }

    [Fact]
    public void State_dict_file_round_trips_and_rejects_another_architecture()
    {
        var layout = ParameterLayout.For(new MlpArchitecture(784, 2, 4));
        var flat = layout.InitialParameters(seed: 9);
        var bytes = MlpFile.Serialize(layout, flat);

        var (loaded, values, _) = MlpFile.Deserialize(bytes, "model");

        Assert.Equal(layout.Architecture, loaded.Architecture);
        Assert.Equal(flat, values);
        var error = Assert.Throws<InvalidDataException>(() => MlpFile.Deserialize(bytes, "model", new MlpArchitecture(784, 7, 10)));
        Assert.Contains("784-2-4", error.Message);
        Assert.Contains("784-7-10", error.Message);
    }
}
