using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

/// <summary>Lethe.ML.HeldScalars' optimisers against TorchSharp's: the same parameters bit for bit, the same state files.</summary>
public sealed class HeldScalarsTests
{
    private const int Steps = 25;

    [Theory]
    [InlineData("adamw")]
    [InlineData("adam")]
    public void Its_steps_are_bit_identical_to_torch_and_its_state_files_are_interchangeable(string kind)
    {
        using var scope = NewDisposeScope();
        var (torchModel, torchOptimizer) = Setup(kind, held: false);
        var (heldModel, heldOptimizer) = Setup(kind, held: true);
        var folder = Directory.CreateTempSubdirectory("lethe-held-scalars-").FullName;
        try
        {
            for (var step = 0; step < Steps; step++)
            {
                // A changing learning rate, as the cosine schedule sets it before each step.
                var rate = 1e-2 * (1 + Math.Cos(Math.PI * step / Steps)) / 2;
                Train(torchModel, torchOptimizer, rate, step);
                Train(heldModel, heldOptimizer, rate, step);
                if (step == Steps / 2)
                {
                    // A checkpoint written by either optimiser resumes the other: older trainings keep their state.
                    var file = Path.Combine(folder, "torch.bin");
                    torchOptimizer.save_state_dict(file);
                    heldOptimizer.load_state_dict(file);
                }
            }

            var moved = false;
            foreach (var (a, b) in torchModel.parameters().Zip(heldModel.parameters()))
            {
                Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
                moved |= !a.data<float>().ToArray().SequenceEqual(Initial(a.shape));
            }

            Assert.True(moved, "the parameters did not move: the comparison proves nothing");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            torchOptimizer.Dispose();
            heldOptimizer.Dispose();
        }
    }

    [Fact]
    public void Plus_is_torch_addition()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var (a, b) = (randn([4, 5], generator: generator), randn([4, 5], generator: generator));
        Assert.Equal((a + b).data<float>().ToArray(), Lethe.ML.HeldScalars.Sums.Plus(a, b).data<float>().ToArray());
        Assert.NotEqual(a.data<float>().ToArray(), Lethe.ML.HeldScalars.Sums.Plus(a, b).data<float>().ToArray());
    }

    [Fact]
    public void AdamW_refuses_the_variants_it_does_not_implement()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var optimizer = new Lethe.ML.HeldScalars.AdamW(
            [new AdamW.ParamGroup(model.parameters(), new AdamW.Options { LearningRate = 1e-3, amsgrad = true })], 1e-3, 0.9, 0.999);
        var error = Assert.Throws<NotSupportedException>(() => Train(model, optimizer, 1e-3, 0));
        Assert.Contains("amsgrad", error.Message);
    }

    private static (Sequential Model, OptimizerHelper Optimizer) Setup(string kind, bool held)
    {
        var model = Model();
        if (kind == "adam")
        {
            return (model, held ? new Lethe.ML.HeldScalars.Adam(model.parameters(), 1e-2) : optim.Adam(model.parameters(), 1e-2));
        }

        // The hypernetwork trainer's two groups: matrices decayed, biases not.
        var parameters = model.named_parameters().ToList();
        AdamW.ParamGroup Group(string suffix, double decay) => new(
            parameters.Where(p => p.name.EndsWith(suffix, StringComparison.Ordinal)).Select(p => p.parameter),
            new AdamW.Options { LearningRate = 1e-2, weight_decay = decay });
        AdamW.ParamGroup[] groups = [Group("weight", 0.1), Group("bias", 0)];
        return (model, held ? new Lethe.ML.HeldScalars.AdamW(groups, 1e-2, 0.9, 0.999) : optim.AdamW(groups, 1e-2, 0.9, 0.999));
    }

    private static Sequential Model()
    {
        var model = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3));
        using (no_grad())
        {
            foreach (var p in model.parameters())
            {
                p.copy_(tensor(Initial(p.shape), p.shape));
            }
        }

        return model;
    }

    private static void Train(Sequential model, OptimizerHelper optimizer, double rate, int step)
    {
        using var scope = NewDisposeScope();
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = rate;
        }

        var generator = new Generator((ulong)(step + 1));
        var x = randn([16, 6], generator: generator);
        var y = randn([16, 3], generator: generator);
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        optimizer.step();
    }

    private static float[] Initial(long[] shape)
    {
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        return Enumerable.Range(0, count).Select(i => (float)Math.Sin((i + 1) * 0.7 + shape.Length)).ToArray();
    }
}
