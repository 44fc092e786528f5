using Lethe.ML.Storage;

namespace Lethe.Grains.Compute;

/// <summary>A run's checkpoints as plain arrays and the description of the data it trained on.</summary>
public sealed record TrainedRun(CheckpointBatch Checkpoints, string DataSource);
