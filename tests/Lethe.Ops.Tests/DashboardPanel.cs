namespace Lethe.Ops.Tests;

public sealed record DashboardPanel(string Row, string Title, IReadOnlyList<string> Queries);
