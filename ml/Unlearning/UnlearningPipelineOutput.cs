using Lethe.ML.Evaluation;

namespace Lethe.ML.Unlearning;

/// <summary>
/// What one unlearning request produced: the unlearned parameters, their report, and the retrained reference they were
/// measured against, with <paramref name="ReferenceTrained"/> true when the pipeline trained it (so the caller stores it).
/// </summary>
public sealed record UnlearningPipelineOutput(float[] Parameters, UnlearningReport Report, float[] Reference, bool ReferenceTrained);
