namespace Lethe.ML.Hypernet;

/// <summary>One line of a training's <c>log.jsonl</c>: diffusion losses at a step, and the alignment when one was measured.</summary>
public sealed record TrainingLogEntry(
    int Step,
    double TrainLoss,
    double HeldOutLoss,
    double LearningRate,
    double ElapsedSeconds,
    IReadOnlyDictionary<string, double>? Alignment = null,
    IReadOnlyDictionary<string, double>? Pearson = null);
