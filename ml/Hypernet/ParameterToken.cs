namespace Lethe.ML.Hypernet;

/// <summary>One token of a flat parameter vector: <paramref name="Length"/> consecutive values of one tensor.</summary>
public sealed record ParameterToken(string Tensor, int Offset, int Length);
