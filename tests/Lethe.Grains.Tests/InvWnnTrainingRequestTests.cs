using Lethe.Contracts.Hypernet;
using Lethe.Grains.Hypernet;

namespace Lethe.Grains.Tests;

public sealed class InvWnnTrainingRequestTests
{
    [Fact]
    public void Invwnn_request_keeps_its_variant_and_its_own_defaults_and_names_other_checkpoints_than_a_hypernetwork()
    {
        var invwnn = new HypernetTrainingRequest("invwnn", "cpu", ["0123456789abcdef"]).ToOptions();
        Assert.Equal(("invwnn", 2000, 4096, 1e-3), (invwnn.Variant, invwnn.Steps, invwnn.BatchSize, invwnn.LearningRate));
        Assert.NotEqual(new HypernetTrainingRequest("dihyfo2", "cpu", ["0123456789abcdef"]).ToOptions().Id, invwnn.Id);

        var tuned = new HypernetTrainingRequest("InvWNN", "cpu", ["0123456789abcdef"], Steps: 10, BatchSize: 64, LearningRate: 1e-4).ToOptions();
        Assert.Equal((10, 64, 1e-4), (tuned.Steps, tuned.BatchSize, tuned.LearningRate));
        Assert.Equal(invwnn.Id, (invwnn with { Steps = 10 }).Id);
    }

    [Fact]
    public void Unknown_variant_is_still_rejected() =>
        Assert.Throws<ArgumentException>(() => new HypernetTrainingRequest("rewind", "cpu", ["0123456789abcdef"]).ToOptions());
}
