namespace Lethe.Ops.Tests;

/// <summary>Runs the dashboard's queries against a Prometheus the way Grafana would send them.</summary>
public static class PanelQueryCheck
{
    /// <summary>Covers everything a test just did; Grafana's own <c>$__rate_interval</c> depends on the time range.</summary>
    public const string Window = "10m";

    /// <summary>Polls each query until it returns a finite value; returns one line per query that never did.</summary>
    public static async Task<IReadOnlyList<string>> QueriesWithoutData(
        PrometheusServer prometheus, IEnumerable<DashboardPanel> panels, string job, TimeSpan timeout)
    {
        var values = new Dictionary<string, string> { ["job"] = job, ["instance"] = ".*" };
        var deadline = DateTime.UtcNow + timeout;
        var missing = new List<string>();
        foreach (var panel in panels)
        {
            foreach (var query in panel.Queries)
            {
                var expression = GrafanaDashboard.Expand(query, values, Window);
                while (!HasData(await prometheus.Query(expression)) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(500);
                }

                if (!HasData(await prometheus.Query(expression)))
                {
                    missing.Add($"[{panel.Row}] {panel.Title}: {expression}");
                }
            }
        }

        return missing;
    }

    /// <summary>At least one series with a finite value (a quantile over no observations is NaN: a blank panel).</summary>
    public static bool HasData(IReadOnlyList<PrometheusSample> result) => result.Any(s => double.IsFinite(s.Value));
}
