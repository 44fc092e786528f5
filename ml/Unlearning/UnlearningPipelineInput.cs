using Lethe.ML.Data;
using Lethe.ML.Evaluation;

namespace Lethe.ML.Unlearning;

/// <summary>
/// One unlearning request as <see cref="UnlearningPipeline"/> runs it: the model to unlearn (flat parameters in
/// <see cref="Nets.ParameterLayout"/> order) of a task, the forget set (classes, a random fraction of D or sample indices), the seed of the method and of the retrained
/// reference, the digits (<c>npm</c> or an IDX folder, as <see cref="DigitsSource.Load"/> reads them), the method, and
/// the retrained reference when one is stored already (it is trained otherwise).
/// </summary>
public sealed record UnlearningPipelineInput(
    float[] Original,
    TaskPreset Task,
    ForgetSet Forget,
    int Seed,
    string DataSource,
    IUnlearningMethod Method,
    float[]? Reference = null);
