using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lethe.Ops.Tests;

/// <summary>The panels and template variables of a Grafana dashboard JSON, with its queries made runnable.</summary>
public sealed partial class GrafanaDashboard
{
    private GrafanaDashboard(IReadOnlyList<DashboardPanel> panels, IReadOnlyList<DashboardVariable> variables)
    {
        Panels = panels;
        Variables = variables;
    }

    /// <summary>Every non-row panel, with the title of the row it sits under.</summary>
    public IReadOnlyList<DashboardPanel> Panels { get; }

    /// <summary>The <c>label_values(selector, label)</c> query variables.</summary>
    public IReadOnlyList<DashboardVariable> Variables { get; }

    public IEnumerable<string> RowTitles => Panels.Select(p => p.Row).Distinct();

    public static GrafanaDashboard Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        var panels = new List<DashboardPanel>();
        var row = "(no row)";
        foreach (var panel in root["panels"]!.AsArray().Select(p => p!))
        {
            if ((string?)panel["type"] == "row")
            {
                row = (string)panel["title"]!;
                // A collapsed row keeps its panels inside itself.
                panels.AddRange(panel["panels"]!.AsArray().Select(p => Panel(row, p!)));
                continue;
            }

            panels.Add(Panel(row, panel));
        }

        var variables = root["templating"]!["list"]!.AsArray().Select(v => v!)
            .Where(v => (string?)v["type"] == "query")
            .Select(v =>
            {
                var query = (string)v["query"]!["query"]!;
                var match = LabelValues().Match(query);
                return match.Success
                    ? new DashboardVariable((string)v["name"]!, match.Groups["selector"].Value, match.Groups["label"].Value)
                    : throw new InvalidDataException($"Variable {(string?)v["name"]} uses '{query}'; only label_values(selector, label) is supported.");
            }).ToArray();
        return new GrafanaDashboard(panels, variables);
    }

    /// <summary>
    /// Replaces Grafana's variables the way Grafana does before sending a query: <c>$name</c>/<c>${name}</c> from
    /// <paramref name="values"/>, and the built-in <c>$__rate_interval</c> and <c>$__range</c> by <paramref name="window"/>.
    /// </summary>
    public static string Expand(string expression, IReadOnlyDictionary<string, string> values, string window)
    {
        var expanded = expression.Replace("$__rate_interval", window).Replace("$__range", window);
        expanded = Variable().Replace(expanded, m =>
        {
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value;
            return values.TryGetValue(name, out var value)
                ? value
                : throw new InvalidDataException($"Query '{expression}' uses ${name}, which the test does not define.");
        });
        return expanded;
    }

    private static DashboardPanel Panel(string row, JsonNode panel) => new(
        row,
        (string)panel["title"]!,
        panel["targets"]?.AsArray().Select(t => (string)t!["expr"]!).ToArray() ?? []);

    [GeneratedRegex(@"^label_values\((?<selector>.+),\s*(?<label>\w+)\)$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"\$\{(?<braced>\w+)\}|\$(?<plain>\w+)")]
    private static partial Regex Variable();
}
