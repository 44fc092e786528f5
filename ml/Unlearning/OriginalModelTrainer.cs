using Lethe.ML.Data;
using Lethe.ML.Nets;

namespace Lethe.ML.Unlearning;

/// <summary>
/// The recipe that trains the model to be unlearned on D and, on D_r from a fresh seed, the retrained reference
/// (gold-standard exact unlearning). Initialisation (<see cref="ParameterLayout.InitialParameters"/>) and minibatch order
/// come from the seed alone, so the same seed gives the same model.
/// </summary>
public static class OriginalModelTrainer
{
    public static float[] Train(LabeledImages data, MlpArchitecture architecture, TrainingRecipe recipe, int seed, CancellationToken cancellation = default)
    {
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot train on an empty set.");
        }

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
        }

        return training.Parameters();
    }
}
