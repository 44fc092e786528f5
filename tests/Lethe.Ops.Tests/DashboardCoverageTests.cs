namespace Lethe.Ops.Tests;

public sealed class DashboardCoverageTests
{
    private static readonly string[] ProductFolders = ["contracts", "ml", "grains", "silo", "client"];

    [Fact]
    public void Rows_awaiting_producers_have_no_producer_in_the_code_yet()
    {
        var sources = ProductFolders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                && Path.GetFileName(path) != "LetheMetrics.cs")
            .Select(path => (Path: Path.GetRelativePath(RepositoryPaths.Root, path), Text: File.ReadAllText(path)))
            .ToArray();

        var produced = LiveDashboardTests.RowsAwaitingProducers
            .SelectMany(row => row.Value.Select(member => (Row: row.Key, Member: member)))
            .SelectMany(x => sources.Where(s => s.Text.Contains($".{x.Member}")).Select(s => $"[{x.Row}] {x.Member} in {s.Path}"))
            .ToArray();

        Assert.True(produced.Length == 0,
            $"Code now records metrics of rows listed in {nameof(LiveDashboardTests.RowsAwaitingProducers)}: drive that work in " +
            $"{nameof(LiveSiloFixture)} and remove the row from the map.{Environment.NewLine}{string.Join(Environment.NewLine, produced)}");
    }
}
