using System.Globalization;

namespace Lethe.ML.Evaluation;

/// <summary>One row of the HyperForget paper's Tables 1-4 (docs/paper-tables.md): a figure is null where the paper has none.</summary>
public sealed record PaperRow(string Preset, int[] Forget, string Model, IReadOnlyDictionary<string, double?> Figures, string Source);

/// <summary>
/// The paper's unlearning numbers, read from docs/paper-tables.md (embedded in this assembly) so the repository keeps
/// one copy of them, with the source named.
/// </summary>
public static class PaperTables
{
    private static readonly Lazy<IReadOnlyList<PaperRow>> Embedded = new(() =>
    {
        using var stream = typeof(PaperTables).Assembly.GetManifestResourceStream("Lethe.ML.paper-tables.md")
            ?? throw new InvalidOperationException("docs/paper-tables.md is not embedded in Lethe.ML.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    public static IReadOnlyList<PaperRow> Rows => Embedded.Value;

    /// <summary>The rows of one preset and forget set.</summary>
    public static IReadOnlyList<PaperRow> For(string preset, IReadOnlyCollection<int> forget) =>
        Rows.Where(r => r.Preset == preset && r.Forget.Order().SequenceEqual(forget.Order())).ToList();

    /// <summary>Parses the Markdown table whose header starts with <c>| preset | forget | model |</c>.</summary>
    public static IReadOnlyList<PaperRow> Parse(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('|')).ToList();
        var headerIndex = lines.FindIndex(l => l.Replace(" ", "").StartsWith("|preset|forget|model|", StringComparison.Ordinal));
        if (headerIndex < 0)
        {
            throw new InvalidDataException("No table with columns preset | forget | model in the paper tables.");
        }

        static string[] Cells(string line) => line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
        var header = Cells(lines[headerIndex]);
        var rows = new List<PaperRow>();
        foreach (var line in lines.Skip(headerIndex + 2))
        {
            var cells = Cells(line);
            if (cells.Length != header.Length)
            {
                throw new InvalidDataException($"Paper table row '{line}' has {cells.Length} cells; the header has {header.Length}.");
            }

            var figures = new Dictionary<string, double?>();
            for (var i = 3; i < header.Length - 1; i++)
            {
                figures[header[i]] = cells[i].Length == 0 ? null : double.Parse(cells[i], CultureInfo.InvariantCulture);
            }

            rows.Add(new PaperRow(cells[0], cells[1].Split(',').Select(int.Parse).ToArray(), cells[2], figures, cells[^1]));
        }

        return rows;
    }
}
