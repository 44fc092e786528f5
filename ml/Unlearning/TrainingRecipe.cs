namespace Lethe.ML.Unlearning;

/// <summary>
/// Minibatch SGD with momentum, as the checkpoint collection trains its task nets (torch.optim.SGD semantics). The
/// defaults are the recipe of the model to unlearn and of the retrained reference.
/// </summary>
public sealed record TrainingRecipe(int Epochs = 10, int BatchSize = 64, double LearningRate = 0.02, double Momentum = 0.9)
{
    public IReadOnlyDictionary<string, object> Describe() => new Dictionary<string, object>
    {
        ["optimizer"] = "sgd",
        ["epochs"] = Epochs,
        ["batch_size"] = BatchSize,
        ["learning_rate"] = LearningRate,
        ["momentum"] = Momentum,
    };
}
