using Lethe.Contracts.Collection;
using Lethe.ML.Collection;

namespace Lethe.Grains.Collection;

public static class CollectionRequestExtensions
{
    /// <summary>The full engine spec a request names: the request's values over the defaults; throws one <see cref="ArgumentException"/> saying what is accepted.</summary>
    public static CollectionSpec ToEngineSpec(this CollectionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var defaults = CollectionSpec.ForPreset(request.Preset);
        return (defaults with
        {
            Data = request.Data,
            Runs = request.Runs,
            Epochs = request.Epochs ?? defaults.Epochs,
            Seed = request.Seed,
            Pivots = request.Pivots,
            RetrainedTwins = request.RetrainedTwins,
            Trajectories = request.Trajectories,
            NeverLearnedProbability = request.NeverLearned ?? defaults.NeverLearnedProbability,
            UndersampleProbability = request.Undersample ?? defaults.UndersampleProbability,
        }).Validated();
    }
}
