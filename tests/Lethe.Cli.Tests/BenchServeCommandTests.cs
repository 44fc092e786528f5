using System.Text.Json;

namespace Lethe.Cli.Tests;

public sealed class BenchServeCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lethe-bench-serve-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Bench_serve_completes_every_request_but_the_over_quota_tenants_rejections_and_loses_none()
    {
        var json = Path.Combine(_root, "serve.json");

        var run = LetheProcess.RunIn(Path.Combine(_root, "unused-home"), "bench", "serve", "--requests", "12", "--prepare-runs", "24", "--prepare-steps", "10",
            "--candidates", "4", "--home", Path.Combine(_root, "bench"), "--json", json);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        using var figures = JsonDocument.Parse(File.ReadAllText(json));
        var root = figures.RootElement;
        var completed = root.GetProperty("completed").GetInt32();
        var rejected = root.GetProperty("rejected").GetInt32();
        Assert.Equal(12, completed + rejected);
        Assert.Equal(0, root.GetProperty("lost").GetInt32());
        Assert.True(root.GetProperty("only_over_quota_tenant_rejected").GetBoolean(), root.GetRawText());
        // The over-quota tenant may submit 1 of its 3 a day: 2 rejected for the daily quota, the rest completed.
        Assert.Equal(2, rejected);
        Assert.Equal(2, root.GetProperty("rejected_by_reason").GetProperty("daily_quota").GetInt32());
        foreach (var method in new[] { "finetune", "neggrad+", "dihyfo2" })
        {
            var latency = root.GetProperty("latency_by_method").GetProperty(method);
            Assert.True(latency.GetProperty("completed").GetInt32() > 0, method);
            Assert.True(latency.GetProperty("p50_s").GetDouble() > 0, method);
        }
    }
}
