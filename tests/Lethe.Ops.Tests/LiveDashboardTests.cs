using System.Diagnostics;
using Lethe.Contracts.Collection;
using Lethe.Contracts.Hypernet;
using Lethe.Contracts.Unlearning;

namespace Lethe.Ops.Tests;

[Trait("Category", "Slow")]
public sealed class LiveDashboardTests(LiveSiloFixture fixture) : IClassFixture<LiveSiloFixture>
{
    private readonly GrafanaDashboard _dashboard = GrafanaDashboard.Load(RepositoryPaths.Dashboard);

    [Fact]
    public void The_workload_collects_trains_samples_unlearns_and_is_refused_for_a_wrong_key_and_over_quota()
    {
        Assert.Equal(JobStatus.Completed, fixture.Collection.Status);
        Assert.True(fixture.Hypernet.Training.State == HypernetTrainingState.Completed, $"hypernetwork training: {fixture.Hypernet.Training}");
        Assert.Equal(4, fixture.Hypernet.Samples.Length);
        Assert.All(fixture.Unlearning.Outcomes, o => Assert.True(o.Status == UnlearningStatus.Completed, $"unlearning request: {o}"));
        Assert.Equal("invalid_key", fixture.Unlearning.WrongKeyRejection);
        Assert.Equal("daily_quota", fixture.Unlearning.OverQuotaRejection);
    }

    [Fact]
    public async Task Every_panel_query_returns_data_from_a_silo_doing_the_work_of_every_row()
    {
        var panels = _dashboard.Panels;
        Assert.NotEmpty(panels);

        var missing = await PanelQueryCheck.QueriesWithoutData(fixture.Prometheus, panels, LiveSiloFixture.Job, TimeSpan.FromSeconds(30));

        Assert.True(missing.Count == 0, $"{missing.Count} panel queries returned no data:{Environment.NewLine}{string.Join(Environment.NewLine, missing)}");
    }

    [Fact]
    public async Task Every_dashboard_variable_lists_the_scraped_silo()
    {
        var values = new Dictionary<string, string> { ["job"] = LiveSiloFixture.Job, ["instance"] = ".*" };
        foreach (var variable in _dashboard.Variables)
        {
            var result = await fixture.Prometheus.Query(GrafanaDashboard.Expand(variable.Selector, values, PanelQueryCheck.Window));

            var listed = result.Select(s => s.Labels.GetValueOrDefault(variable.Label)).ToHashSet();
            var expected = variable.Label == "instance" ? fixture.Silo.HttpEndpoint : LiveSiloFixture.Job;
            Assert.True(listed.Contains(expected), $"${variable.Name} lists [{string.Join(", ", listed)}], not {expected}.");
        }
    }

    [Fact]
    public async Task Scrape_passes_promtool_check_metrics()
    {
        var scrape = await fixture.ScrapeText();
        var start = new ProcessStartInfo("promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var promtool = Process.Start(start)!;
        var output = promtool.StandardOutput.ReadToEndAsync();
        var errors = promtool.StandardError.ReadToEndAsync();
        await promtool.StandardInput.WriteAsync(scrape);
        promtool.StandardInput.Close();
        await promtool.WaitForExitAsync();

        // 3 = lint findings only (Orleans' instruments have no help text and use milliseconds); 1 = unparsable.
        Assert.True(promtool.ExitCode is 0 or 3, $"promtool check metrics exited {promtool.ExitCode}:{Environment.NewLine}{await output}{await errors}");
        Assert.Contains("lethe_checkpoints_saved_total", scrape);
    }
}
