namespace Lethe.Ops.Tests;

/// <summary>One series of an instant query result.</summary>
public sealed record QuerySample(IReadOnlyDictionary<string, string> Labels, double Value);
