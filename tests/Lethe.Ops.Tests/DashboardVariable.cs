namespace Lethe.Ops.Tests;

/// <summary>A template variable filled from <c>label_values(Selector, Label)</c>.</summary>
public sealed record DashboardVariable(string Name, string Selector, string Label);
