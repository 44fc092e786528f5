namespace Lethe.Silo.Api;

/// <summary>Body of <c>POST /api/unlearning</c>: the model file in base64, the classes to forget and the method.</summary>
/// <param name="Id">Optional request id (letters, digits, '-', '_'); posting the same id and request again is harmless.</param>
public sealed record UnlearningApiRequest(string? Model, int[]? Forget, string? Method, string? Preset = null, int? Seed = null, string? Id = null);
