namespace Lethe.ML.Collection;

/// <summary>Progress of a collection call: run-epochs done of total, candidate checkpoints evaluated and saved so far.</summary>
public sealed record CollectionProgress(long RunEpochsDone, long RunEpochsTotal, long Evaluated, long Saved);
