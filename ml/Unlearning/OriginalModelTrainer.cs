using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Unlearning;

/// <summary>A trained model, the initialisation seed it came from, how many trainings were run and its worst class's train accuracy.</summary>
public sealed record TrainedModel(float[] Parameters, int Seed, int Attempts, double LowestClassAccuracy);

/// <summary>
/// The recipe that trains the model to be unlearned on D and, on D_r from a fresh seed, the retrained reference
/// (gold-standard exact unlearning). Initialisation (<see cref="ParameterLayout.InitialParameters"/>) and minibatch order
/// come from the seed alone, so the same seed gives the same model. A training that leaves some class of its data below
/// <see cref="TrainingRecipe.MinClassAccuracy"/> train accuracy failed (MNIST-4's 784-2-4 net, with two hidden
/// units, left class 2 near chance or below on 2 of the bench's first 10 seeds): it is redone from the next initialisation, up to
/// <see cref="TrainingRecipe.MaxAttempts"/> trainings, keeping the one whose worst class is best.
/// </summary>
public static class OriginalModelTrainer
{
    public static float[] Train(LabeledImages data, MlpArchitecture architecture, TrainingRecipe recipe, int seed, CancellationToken cancellation = default) =>
        TrainEveryClass(data, architecture, recipe, seed, cancellation).Parameters;

    /// <param name="epochDone">Called after each epoch with the epochs done in the current training (a retry starts again from 1).</param>
    public static TrainedModel TrainEveryClass(LabeledImages data, MlpArchitecture architecture, TrainingRecipe recipe, int seed, CancellationToken cancellation = default,
        Action<int>? epochDone = null)
    {
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot train on an empty set.");
        }

        if (recipe.MaxAttempts < 1)
        {
            throw new ArgumentException($"A training recipe needs at least one attempt; got {recipe.MaxAttempts}.");
        }

        TrainedModel? best = null;
        for (var attempt = 1; attempt <= recipe.MaxAttempts; attempt++)
        {
            var attemptSeed = AttemptSeed(seed, attempt - 1);
            var parameters = TrainOnce(data, architecture, recipe, attemptSeed, cancellation, epochDone);
            var lowest = LowestClassAccuracy(data, architecture, parameters);
            best = best is null || lowest > best.LowestClassAccuracy ? new TrainedModel(parameters, attemptSeed, attempt, lowest) : best with { Attempts = attempt };
            if (lowest >= recipe.MinClassAccuracy)
            {
                break;
            }
        }

        return best!;
    }

    /// <summary>The initialisation seed of attempt <paramref name="attempt"/>: the seed itself first, then unrelated ones.</summary>
    public static int AttemptSeed(int seed, int attempt) => attempt == 0 ? seed : unchecked(seed + (attempt * 7_919_113)) & int.MaxValue;

    /// <summary>The lowest train accuracy over the classes that occur in <paramref name="data"/>.</summary>
    public static double LowestClassAccuracy(LabeledImages data, MlpArchitecture architecture, float[] parameters)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var evaluator = new PerClassEvaluator(data, architecture.Classes, CPU);
        var accuracy = evaluator.EvaluateRows(ParameterLayout.For(architecture), tensor(parameters, [1, parameters.Length])).Accuracy.data<float>().ToArray();
        return Enumerable.Range(0, architecture.Classes).Where(c => data.CountOf(c) > 0).Min(c => (double)accuracy[c]);
    }

    private static float[] TrainOnce(LabeledImages data, MlpArchitecture architecture, TrainingRecipe recipe, int seed, CancellationToken cancellation, Action<int>? epochDone)
    {
        var layout = ParameterLayout.For(architecture);
        using var training = new SgdTraining(architecture, layout.InitialParameters(seed), recipe.LearningRate, recipe.Momentum);
        using var images = data.ImagesTensor();
        using var labels = data.LabelsTensor();
        var rng = new Random(unchecked((seed * 7919) + 17));
        for (var epoch = 0; epoch < recipe.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            foreach (var batch in SgdTraining.Minibatches(data.Count, recipe.BatchSize, rng))
            {
                training.Step(model => SgdTraining.CrossEntropy(model, images, labels, batch));
            }

            epochDone?.Invoke(epoch + 1);
        }

        return training.Parameters();
    }
}
