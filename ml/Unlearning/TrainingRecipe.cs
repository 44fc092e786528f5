namespace Lethe.ML.Unlearning;

/// <summary>
/// Minibatch SGD with momentum, as the checkpoint collection trains its task nets (torch.optim.SGD semantics). The
/// defaults are the recipe of the model to unlearn and of the retrained reference. A training that leaves a class of its
/// data below <paramref name="MinClassAccuracy"/> train accuracy is redone from another initialisation, up to
/// <paramref name="MaxAttempts"/> trainings (<see cref="OriginalModelTrainer"/>).
/// </summary>
public sealed record TrainingRecipe(int Epochs = 10, int BatchSize = 64, double LearningRate = 0.02, double Momentum = 0.9, double MinClassAccuracy = 0.5, int MaxAttempts = 5)
{
    public IReadOnlyDictionary<string, object> Describe() => new Dictionary<string, object>
    {
        ["optimizer"] = "sgd",
        ["epochs"] = Epochs,
        ["batch_size"] = BatchSize,
        ["learning_rate"] = LearningRate,
        ["momentum"] = Momentum,
        ["min_class_accuracy"] = MinClassAccuracy,
        ["max_attempts"] = MaxAttempts,
    };
}
