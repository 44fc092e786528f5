using Lethe.ML.Evaluation;
using Lethe.ML.Nets;

namespace Lethe.ML.Unlearning;

/// <summary>
/// A forgetting request: the model to unlearn (flat parameters in <see cref="ParameterLayout"/> order), the sets of the
/// forget classes, and the seed of the method's randomness. <paramref name="TargetForgetAccuracy"/> is the stopping rule's
/// target (the retrained model's forget accuracy; 0 for class forgetting): methods with a stopping rule stop at the first
/// check where the validation forget accuracy is at or below it.
/// </summary>
public sealed record UnlearningRequest(float[] Original, ForgetSplit Data, int Seed, double TargetForgetAccuracy = 0)
{
    public ParameterLayout Layout { get; } = ParameterLayout.For(Data.Preset.Architecture);

    public int[] Forget => Data.Forget;

    /// <summary>Throws when the model does not fit the preset's architecture.</summary>
    public UnlearningRequest Validated()
    {
        if (Original.Length != Layout.Count)
        {
            throw new ArgumentException($"The model has {Original.Length} parameters; a {Layout.Architecture} MLP of preset {Data.Preset.Name} has {Layout.Count}.");
        }

        if (TargetForgetAccuracy is < 0 or > 1)
        {
            throw new ArgumentException($"The target forget accuracy must be in [0, 1]; got {TargetForgetAccuracy}.");
        }

        return this;
    }
}
