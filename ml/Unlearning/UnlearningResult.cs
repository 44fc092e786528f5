namespace Lethe.ML.Unlearning;

/// <summary>
/// The unlearned parameters, the data the method actually touched, and what happened on the way (epochs or steps run,
/// why it stopped, prompts, candidates — anything a reader needs to reproduce or judge the run).
/// </summary>
public sealed record UnlearningResult(float[] Parameters, DataAccess Touched, IReadOnlyDictionary<string, object> Details);
