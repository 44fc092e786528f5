using System.Reflection;
using System.Text.Json.Serialization;
using Lethe.Contracts.Collection;
using Lethe.Grains.Collection;
using Lethe.ML.Collection;

namespace Lethe.Grains.Tests;

public sealed class CollectionJobSpecTests
{
    [Fact]
    public void Job_spec_and_engine_spec_carry_the_same_settable_properties()
    {
        static string[] Names(Type type) => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<JsonIgnoreAttribute>() is not { Condition: JsonIgnoreCondition.Always })
            .Select(p => p.Name).Order().ToArray();

        Assert.Equal(Names(typeof(CollectionSpec)), Names(typeof(CollectionJobSpec)));
    }

    [Fact]
    public void An_engine_spec_survives_the_round_trip_through_the_job_spec_with_its_id()
    {
        var spec = new CollectionSpec
        {
            Preset = "mnist", Runs = 33, Epochs = 4, BatchSize = 32, Seed = 7, LearningRateMin = 0.01, LearningRateMax = 0.3,
            Momentum = 0.8, SelectionProbability = 0.3, PivotAccuracy = 0.7, LossBinEdges = [0.1, 1.0], MaxPerBin = 2,
            MaxCheckpointsPerRun = 9, RandomSaveRunFraction = 0.2, RandomSaveProbability = 0.4, ForgettingRunFraction = 0.1,
            NeverLearnedProbability = 0.5, UndersampleProbability = 0.25, RunsPerShard = 8, Pivots = [5, 6], RetrainedTwins = true,
        };

        var back = spec.ToJobSpec().ToEngineSpec();

        Assert.Equal(spec.Id, back.Id);
        Assert.Equal(spec.LossBinEdges, back.LossBinEdges);
        Assert.Equal(spec.Pivots, back.Pivots);
        Assert.True(back.RetrainedTwins);
        Assert.Equal(spec.Id, spec.ToJobSpec().JobId());
    }

    [Fact]
    public void A_request_takes_its_presets_class_sampling_unless_it_names_its_own()
    {
        var mnist4 = new CollectionRequest("mnist4", 64).ToEngineSpec();
        var mnist = new CollectionRequest("mnist", 64).ToEngineSpec();
        var chosen = new CollectionRequest("mnist", 64, NeverLearned: 0.5, Undersample: 0).ToEngineSpec();

        // mnist4 keeps the values its datasets were always collected with, so their ids (and the demo's cache) stay.
        Assert.Equal(new CollectionSpec { Runs = 64 }.Id, mnist4.Id);
        Assert.Equal((0.3, 0.1), (mnist.NeverLearnedProbability, mnist.UndersampleProbability));
        Assert.Equal((0.5, 0.0), (chosen.NeverLearnedProbability, chosen.UndersampleProbability));
        Assert.NotEqual(mnist.Id, chosen.Id);
    }

    [Theory]
    [InlineData(-0.1, 0.2)]
    [InlineData(0.7, 0.4)]
    [InlineData(0.2, 1.5)]
    public void Class_sampling_that_is_not_a_probability_split_is_refused_with_what_is_accepted(double neverLearned, double undersample)
    {
        var error = Assert.Throws<ArgumentException>(() => new CollectionRequest("mnist", 64, NeverLearned: neverLearned, Undersample: undersample).ToEngineSpec());

        Assert.Contains("--never-learned and --undersample are probabilities per class that sum to at most 1", error.Message);
    }
}
