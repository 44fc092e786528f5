using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

public sealed class HeldScalarsAdamWTests
{
    private const int Steps = 25;

    [Fact]
    public void Its_steps_are_bit_identical_to_torch_AdamW_and_its_state_files_are_interchangeable()
    {
        using var scope = NewDisposeScope();
        var (torchModel, torchOptimizer) = Setup(o => optim.AdamW(o.Groups, o.Rate, 0.9, 0.999));
        var (heldModel, heldOptimizer) = Setup(o => new Lethe.ML.HeldScalars.AdamW(o.Groups, o.Rate, 0.9, 0.999));
        var folder = Directory.CreateTempSubdirectory("lethe-adamw-").FullName;
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
                    // A checkpoint written by either optimiser resumes the other: old trainings keep their state.
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
    public void It_refuses_the_variants_it_does_not_implement()
    {
        using var scope = NewDisposeScope();
        var (model, optimizer) = Setup(o => new Lethe.ML.HeldScalars.AdamW(
            [new AdamW.ParamGroup(o.Groups.SelectMany(g => g.Parameters), new AdamW.Options { LearningRate = o.Rate, amsgrad = true })], o.Rate, 0.9, 0.999));
        var error = Assert.Throws<NotSupportedException>(() => Train(model, optimizer, 1e-3, 0));
        Assert.Contains("amsgrad", error.Message);
    }

    private static (Sequential Model, AdamW Optimizer) Setup(Func<(IEnumerable<AdamW.ParamGroup> Groups, double Rate), AdamW> create)
    {
        var model = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3));
        using (no_grad())
        {
            foreach (var p in model.parameters())
            {
                p.copy_(tensor(Initial(p.shape), p.shape));
            }
        }

        var parameters = model.named_parameters().ToList();
        var decayed = parameters.Where(p => p.name.EndsWith("weight", StringComparison.Ordinal)).Select(p => p.parameter);
        var undecayed = parameters.Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)).Select(p => p.parameter);
        var groups = new[]
        {
            new AdamW.ParamGroup(decayed, new AdamW.Options { LearningRate = 1e-2, weight_decay = 0.1 }),
            new AdamW.ParamGroup(undecayed, new AdamW.Options { LearningRate = 1e-2, weight_decay = 0 }),
        };
        return (model, create((groups, 1e-2)));
    }

    private static void Train(Sequential model, AdamW optimizer, double rate, int step)
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
