using Lethe.ML.Data;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

public class OriginalTrainerTests
{
    private static readonly LabeledImages Train = TinyTask.Split([2]).Train;

    /// <summary>Seed 7 of the default recipe trains an MNIST-4 net that never learns class 2 (Dr .357 in 'bench unlearn --seeds 10').</summary>
    [Fact]
    public void A_training_that_leaves_a_class_unlearned_is_redone_from_another_initialisation()
    {
        var once = OriginalModelTrainer.TrainEveryClass(Train, TaskPreset.Mnist4.Architecture, TinyTask.Recipe with { MaxAttempts = 1 }, seed: 7);
        Assert.Equal((7, 1), (once.Seed, once.Attempts));
        Assert.True(once.LowestClassAccuracy < 0.5, $"seed 7 was expected to fail a class; its worst class reached {once.LowestClassAccuracy:P1}");

        var redone = OriginalModelTrainer.TrainEveryClass(Train, TaskPreset.Mnist4.Architecture, TinyTask.Recipe, seed: 7);
        Assert.True(redone.Attempts >= 2);
        Assert.Equal(OriginalModelTrainer.AttemptSeed(7, redone.Attempts - 1), redone.Seed);
        Assert.True(redone.LowestClassAccuracy >= TinyTask.Recipe.MinClassAccuracy, $"worst class {redone.LowestClassAccuracy:P1}");
        Assert.Equal(redone.LowestClassAccuracy, OriginalModelTrainer.LowestClassAccuracy(Train, TaskPreset.Mnist4.Architecture, redone.Parameters));
        Assert.Equal(redone.Parameters, OriginalModelTrainer.Train(Train, TaskPreset.Mnist4.Architecture, TinyTask.Recipe, seed: 7));
    }

    [Fact]
    public void A_successful_training_is_kept_as_it_is_and_no_attempts_is_refused()
    {
        var first = OriginalModelTrainer.TrainEveryClass(Train, TaskPreset.Mnist4.Architecture, TinyTask.Recipe, seed: 1);
        Assert.Equal((1, 1), (first.Seed, first.Attempts));
        Assert.Equal(first.Parameters, OriginalModelTrainer.Train(Train, TaskPreset.Mnist4.Architecture, TinyTask.Recipe with { MaxAttempts = 1 }, seed: 1));

        // An unreachable bar: every attempt runs and the best worst class is kept.
        var all = OriginalModelTrainer.TrainEveryClass(Train, TaskPreset.Mnist4.Architecture, TinyTask.Recipe with { MinClassAccuracy = 1.01, MaxAttempts = 3 }, seed: 1);
        Assert.Equal(3, all.Attempts);
        Assert.True(all.LowestClassAccuracy >= first.LowestClassAccuracy);

        var error = Assert.Throws<ArgumentException>(() => OriginalModelTrainer.TrainEveryClass(Train, TaskPreset.Mnist4.Architecture, TinyTask.Recipe with { MaxAttempts = 0 }, seed: 1));
        Assert.Contains("got 0", error.Message);
    }
}
