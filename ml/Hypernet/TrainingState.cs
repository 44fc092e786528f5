using Lethe.ML.Storage;

namespace Lethe.ML.Hypernet;

/// <summary>
/// The last durable state of a training (<c>state/</c>): the step it stands at, the training time before it, the saved
/// tensors by name and the file holding the optimiser's state.
/// </summary>
public sealed record TrainingState(int Step, double ElapsedSeconds, IReadOnlyDictionary<string, SafetensorsTensor> Tensors, string OptimizerFile);
