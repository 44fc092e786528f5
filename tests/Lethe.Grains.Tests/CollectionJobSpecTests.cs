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
}
