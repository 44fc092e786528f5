using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary><c>lethe bench ...</c>: measurements that compare two ways of doing the same work in one run.</summary>
public static class BenchCommand
{
    public static readonly Option<string?> Json = new("--json") { Description = "Also write the figures to this JSON file." };

    public static Command Create() => new("bench", "Benchmarks: each measures both sides in the same run and prints ratios.")
    {
        BenchCollectCommand.Create(),
        BenchTrainCommand.Create(),
        BenchSampleCommand.Create(),
        BenchUnlearnCommand.Create(),
        BenchScaleCommand.Create(),
        BenchServeCommand.Create(),
    };

    /// <summary>Prints the figures as a table and, with --json, writes them to the file (temp name + rename).</summary>
    public static void Report(string title, IReadOnlyDictionary<string, object> figures, string? jsonPath)
    {
        var table = new Table().Title(title).AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (name, value) in figures)
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(value switch
            {
                double d => d.ToString(Math.Abs(d) >= 100 ? "F1" : "G4"),
                _ => value.ToString() ?? "",
            }));
        }

        AnsiConsole.Write(table);
        if (jsonPath is not null)
        {
            JsonOutput.Write(jsonPath, figures);
        }
    }
}
