using Lethe.ML.Data;

namespace Lethe.ML.Unlearning;

/// <summary>
/// One unlearning request as <see cref="UnlearningPipeline"/> runs it: the model to unlearn (flat parameters in
/// <see cref="Nets.ParameterLayout"/> order) of a task, the forget classes, the seed of the method and of the retrained
/// reference, the digits (<c>npm</c> or an IDX folder, as <see cref="DigitsSource.Load"/> reads them), the method, and
/// the retrained reference when one is stored already (it is trained otherwise).
/// </summary>
public sealed record UnlearningPipelineInput(
    float[] Original,
    TaskPreset Task,
    IReadOnlyCollection<int> Forget,
    int Seed,
    string DataSource,
    IUnlearningMethod Method,
    float[]? Reference = null);
