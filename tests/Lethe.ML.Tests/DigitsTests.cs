using Lethe.ML.Data;

namespace Lethe.ML.Tests;

public class DigitsTests
{
    [Fact]
    public void Npm_digits_split_is_stratified_deterministic_and_disjoint()
    {
        var a = DigitsSource.Load("npm");
        var b = DigitsSource.Load("npm");

        Assert.Equal(10_000, a.Train.Count + a.Test.Count);
        Assert.Equal(8_000, a.Train.Count);
        Assert.Equal(a.Train.Labels, b.Train.Labels);
        Assert.Equal(a.Test.Pixels, b.Test.Pixels);
        for (var c = 0; c < 10; c++)
        {
            var total = a.Train.CountOf(c) + a.Test.CountOf(c);
            Assert.Equal(Math.Round(0.8 * total), a.Train.CountOf(c));
        }
    }

    [Fact]
    public void Preset_filter_keeps_only_its_classes()
    {
        var data = DigitsSource.Load("npm").For(TaskPreset.Mnist4);

        Assert.All(data.Train.Labels.Concat(data.Test.Labels), l => Assert.InRange(l, 0, 3));
        Assert.Equal(4, data.Test.Labels.Distinct().Count());
    }

    [Theory]
    [InlineData(new int[0], "empty")]
    [InlineData(new[] { 0 }, "pivot")]
    [InlineData(new[] { 7 }, "not in preset mnist4")]
    public void Invalid_forget_sets_are_rejected_with_the_reason(int[] forget, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => TaskPreset.Mnist4.RequireForgetSet(forget));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_forget_set_covering_every_class_is_rejected()
    {
        var preset = TaskPreset.Mnist4 with { Pivots = [] };

        var error = Assert.Throws<ArgumentException>(() => preset.RequireForgetSet([0, 1, 2, 3]));
        Assert.Contains("every class", error.Message);
    }

    [Fact]
    public void Unknown_preset_lists_the_accepted_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => TaskPreset.Get("cifar"));
        Assert.Contains("mnist4, mnist", error.Message);
    }
}
