using System.Diagnostics;

namespace Lethe.Ops.Tests;

public sealed class DeploymentFilesTests
{
    [Fact]
    public void Dashboard_has_the_six_rows_and_every_panel_has_a_query()
    {
        var dashboard = GrafanaDashboard.Load(RepositoryPaths.Dashboard);

        Assert.Equal(["Collection", "Datasets", "Hypernet training", "Sampling and unlearning", "Tenants", "Orleans health"], dashboard.RowTitles);
        Assert.All(dashboard.Panels, p => Assert.NotEmpty(p.Queries));
    }

    [Fact]
    public void Chart_ships_the_same_dashboard_as_k8s()
    {
        Assert.Equal(File.ReadAllText(RepositoryPaths.Dashboard), File.ReadAllText(RepositoryPaths.ChartDashboard));
    }

    [Fact]
    public async Task Yaml_of_k8s_and_helm_passes_yamllint()
    {
        // .yamllint excludes helm/lethe/templates/: Go templates are not YAML until rendered.
        var start = new ProcessStartInfo("yamllint", ["--strict", "-c", ".yamllint", "k8s", "helm"])
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var yamllint = Process.Start(start)!;
        var errors = yamllint.StandardError.ReadToEndAsync();
        var output = await yamllint.StandardOutput.ReadToEndAsync();
        await yamllint.WaitForExitAsync();

        Assert.True(yamllint.ExitCode == 0, $"yamllint exited {yamllint.ExitCode}:{Environment.NewLine}{output}{await errors}");
    }
}
