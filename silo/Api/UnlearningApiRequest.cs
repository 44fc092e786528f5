namespace Lethe.Silo.Api;

/// <summary>
/// Body of <c>POST /api/unlearning</c>: the model file in base64, the classes to forget and the method. dihyfo1/dihyfo2
/// also name a published hypernetwork (<c>hypernet</c>, optionally a <c>hypernetVersion</c>; default: its best), the
/// collection jobs its prompts come from (<c>checkpoints</c>; default: the jobs it was trained on) and the sampled
/// candidates (<c>candidates</c>, default 64).
/// </summary>
/// <param name="Id">Optional request id (letters, digits, '-', '_'); posting the same id and request again is harmless.</param>
public sealed record UnlearningApiRequest(
    string? Model,
    int[]? Forget,
    string? Method,
    string? Preset = null,
    int? Seed = null,
    string? Id = null,
    string? Hypernet = null,
    string? HypernetVersion = null,
    string[]? Checkpoints = null,
    int? Candidates = null);
