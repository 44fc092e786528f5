namespace Lethe.Testing;

/// <summary>One series of an instant query result.</summary>
public sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, double Value);
