using Lethe.ML.Hypernet;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

public class EmbeddingTests
{
    [Fact]
    public void Capped_loss_frequencies_barely_move_for_a_tiny_loss_change_while_G_pt_frequencies_scramble_it()
    {
        using var scope = NewDisposeScope();
        var losses = tensor(new[] { 2.3f, 2.3f + 1e-3f }).unsqueeze(1);
        static float Change(FrequencyEmbedding e, Tensor x)
        {
            var f = e.forward(x);
            return (f[0] - f[1]).abs().max().item<float>();
        }

        using var capped = new FrequencyEmbedding(64, 4);
        using var gpt = new FrequencyEmbedding(64, 14);
        Assert.True(Change(capped, losses) < 0.02f);
        Assert.True(Change(gpt, losses) > 0.5f);
    }

    [Fact]
    public void Only_the_CPU_preset_caps_the_loss_frequency_options_without_a_cap_keep_G_pt_embedding_and_the_cap_changes_the_options_id()
    {
        var cpu = HypernetOptions.ForPreset("cpu", "dihyfo2");
        Assert.Equal(4, cpu.LossFrequencyLog2);
        Assert.Null(HypernetOptions.ForPreset("paper", "dihyfo2").LossFrequencyLog2);
        Assert.NotEqual(cpu.Id, (cpu with { LossFrequencyLog2 = null }).Id);
        var old = HypernetOptions.ForPreset("tiny", "dihyfo2").ToJson().Replace("\"LossFrequencyLog2\": null,", "");
        Assert.DoesNotContain("LossFrequencyLog2", old);
        Assert.Null(HypernetOptions.FromJson(old, "test").LossFrequencyLog2);
    }
}
