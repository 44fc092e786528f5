namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>retrain</c>: the gold standard — the original recipe from scratch on D_r with a fresh seed. Forget classes stay in
/// the output layer (the architecture is the preset's); the model simply never sees them.
/// </summary>
public sealed class RetrainMethod(TrainingRecipe? recipe = null) : ComputedUnlearningMethod
{
    private readonly TrainingRecipe _recipe = recipe ?? new TrainingRecipe();

    public override string Name => "retrain";

    public override DataAccess Needs => DataAccess.Retain;

    public override IReadOnlyDictionary<string, object> HyperParameters => _recipe.Describe();

    public override UnlearningResult Unlearn(UnlearningRequest request, IProgress<UnlearningProgress>? progress, CancellationToken cancellation)
    {
        progress?.Report(new UnlearningProgress("unlearning", 0));
        var trained = OriginalModelTrainer.TrainEveryClass(request.Data.RetainTrain, request.Layout.Architecture, _recipe, FreshSeed(request.Seed), cancellation,
            epochs => progress?.Report(new UnlearningProgress("unlearning", (double)epochs / _recipe.Epochs)));
        return new UnlearningResult(trained.Parameters, Needs, new Dictionary<string, object>
        {
            ["init_seed"] = trained.Seed,
            ["epochs_run"] = _recipe.Epochs,
            ["trainings"] = trained.Attempts,
            ["lowest_class_train_accuracy"] = trained.LowestClassAccuracy,
        });
    }

    /// <summary>A seed unrelated to the request's, so the retrained model never shares the original's initialisation.</summary>
    public static int FreshSeed(int seed) => unchecked((seed * 1_000_003) + 424_242) & int.MaxValue;
}
