using Lethe.ML.Hypernet;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

/// <summary>A training started from a trained hypernetwork (<see cref="WeightDenoiser.WarmStartFrom"/>): DiHyFo-1 from DiHyFo-2.</summary>
public sealed class WarmStartTests : TinyTrainingFolder
{
    [Fact]
    public void A_dihyfo1_warm_started_from_a_dihyfo2_starts_with_its_transformer_and_shared_tokens_and_records_it()
    {
        using var dihyfo2 = OpenTraining(Tiny("dihyfo2"));
        dihyfo2.Advance(20);
        var source = dihyfo2.EmaModel.Denoiser;
        var folder = Folder + "-dihyfo1";
        try
        {
            using var dihyfo1 = OpenTraining(Tiny("dihyfo1") with { MeanBase = true }, folder, new WarmStart("d2@v000020", dihyfo2.EmaModel));
            var target = dihyfo1.EmaModel.Denoiser;
            using var _ = no_grad();

            var sourceTensors = source.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            var shared = target.named_parameters().Where(p => p.name.StartsWith("blocks.", StringComparison.Ordinal) || p.name.StartsWith("heads.", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(shared);
            Assert.All(shared, p => Assert.True(p.parameter.allclose(sourceTensors[p.name], rtol: 0, atol: 0), $"{p.name} is the source's"));
            foreach (var role in new[] { "target0", "timestep", "target_loss" })
            {
                var (to, from) = (target.TokenRoles.ToList().IndexOf(role), source.TokenRoles.ToList().IndexOf(role));
                Assert.True(target.InputProjection(to).allclose(source.InputProjection(from), rtol: 0, atol: 0), $"the {role} token's projection is the source's");
            }

            // The tokens DiHyFo-2 has no counterpart for keep their fresh initialisation.
            var current = target.TokenRoles.ToList().IndexOf("current0");
            Assert.False(target.InputProjection(current).abs().max().item<float>() == 0);
            Assert.True(dihyfo1.WarmStartValues > shared.Sum(p => p.parameter.numel()));
            Assert.Equal("d2@v000020", dihyfo1.EmaModel.Metadata["warm_start"]);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public void A_warm_started_training_resumes_from_its_state_by_name_alone_and_refuses_another_source()
    {
        using var dihyfo2 = OpenTraining(Tiny("dihyfo2"));
        dihyfo2.Advance(20);
        var options = Tiny("dihyfo1") with { MeanBase = true };
        var folder = Folder + "-resumed";
        var fresh = Folder + "-named-only";
        try
        {
            Assert.True(HypernetTrainer.NeedsWarmStartModel(folder));
            using (var first = OpenTraining(options, folder, new WarmStart("d2@v000020", dihyfo2.EmaModel)))
            {
                Assert.True(first.WarmStartValues > 0);
                first.Advance(10);
            }

            Assert.False(HypernetTrainer.NeedsWarmStartModel(folder));
            Assert.Contains("d2@v000020", File.ReadAllText(Path.Combine(folder, TrainingFolder.DefinitionFile)));
            using (var resumed = OpenTraining(options, folder, WarmStart.Named("d2@v000020")))
            {
                Assert.Equal(10, resumed.Step);
                Assert.Equal(0, resumed.WarmStartValues);
                Assert.Equal("d2@v000020", resumed.EmaModel.Metadata["warm_start"]);
            }

            var other = Assert.Throws<InvalidOperationException>(() => OpenTraining(options, folder, WarmStart.Named("d2@v000010")));
            Assert.Contains("warm-started from d2@v000020", other.Message);
            Assert.Contains("d2@v000010", other.Message);
            var nameOnly = Assert.Throws<ArgumentException>(() => OpenTraining(options, fresh, WarmStart.Named("d2@v000020")));
            Assert.Contains("needs that model", nameOnly.Message);
        }
        finally
        {
            foreach (var f in new[] { folder, fresh }.Where(Directory.Exists))
            {
                Directory.Delete(f, recursive: true);
            }
        }
    }

    [Fact]
    public void A_warm_start_of_another_width_is_refused_with_both_sizes()
    {
        using var dihyfo2 = OpenTraining(Tiny("dihyfo2") with { Width = 32 });
        var folder = Folder + "-wide";
        try
        {
            var error = Assert.Throws<ArgumentException>(() => OpenTraining(Tiny("dihyfo1") with { Width = 48 }, folder, new WarmStart("narrow", dihyfo2.EmaModel)));

            Assert.Contains("d=48", error.Message);
            Assert.Contains("d=32", error.Message);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static HypernetOptions Tiny(string variant) =>
        HypernetOptions.ForPreset("tiny", variant) with { Steps = 20, EvaluateEvery = 20, CheckpointEvery = 10, LogEvery = 10 };
}
