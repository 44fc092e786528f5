using System.Diagnostics;

namespace Lethe.Cluster.Tests;

/// <summary>
/// <c>scripts/cluster.sh</c> as a newcomer runs it: Redis, Azurite and N silo processes on loopback that the CLI then
/// uses with <c>LETHE_CLUSTER</c>; a killed silo is shown stopped; <c>down</c> leaves no process and no folder.
/// </summary>
public sealed class ClusterScriptTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lethe-cluster-script-");
    private readonly Dictionary<string, string> _environment;
    private readonly int _redisPort = FreePort.Next();

    public ClusterScriptTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["LETHE_CLUSTER_DIR"] = Path.Combine(_folder.FullName, "cluster"),
            ["LETHE_CLUSTER_REDIS_PORT"] = _redisPort.ToString(),
            ["LETHE_CLUSTER_AZURITE_PORT"] = FreePort.Next().ToString(),
            // Silo i listens on base+i: free ports plus one or two, nothing else binds them on a test machine.
            ["LETHE_CLUSTER_SILO_PORT"] = FreePort.Next().ToString(),
            ["LETHE_CLUSTER_GATEWAY_PORT"] = FreePort.Next().ToString(),
            ["LETHE_CLUSTER_HTTP_PORT"] = FreePort.Next().ToString(),
        };
    }

    [Fact]
    public async Task Up_two_silos_serve_the_cli_kill_shows_one_stopped_and_down_leaves_nothing()
    {
        try
        {
            var up = await Run("bash", [Script, "up", "2"]);
            Assert.True(up.ExitCode == 0, up.Output + up.Error);
            Assert.Contains("silo 2 ready", up.Output);
            Assert.Contains($"export LETHE_CLUSTER=127.0.0.1:{_redisPort}", up.Output);

            var status = await Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "lethe.dll"), "status"],
                new Dictionary<string, string> { ["LETHE_CLUSTER"] = $"127.0.0.1:{_redisPort}", ["COLUMNS"] = "1000" });
            Assert.True(status.ExitCode == 0, status.Output + status.Error);
            var active = status.Output.Split('\n').Where(l => l.Contains("Active")).ToList();
            Assert.Equal(2, active.Count);
            Assert.Contains(active, l => l.Contains("silo-1"));
            Assert.Contains(active, l => l.Contains("silo-2"));

            var kill = await Run("bash", [Script, "kill", "2"]);
            Assert.True(kill.ExitCode == 0, kill.Output + kill.Error);
            var afterKill = await Run("bash", [Script, "status"]);
            Assert.Contains("silo 2  stopped", afterKill.Output);
            Assert.Matches(@"silo 1  pid \d+, gateway \d+, http \d+: ready", afterKill.Output);

            var twice = await Run("bash", [Script, "up", "1"]);
            Assert.Equal(2, twice.ExitCode);
            Assert.Contains("already up", twice.Error);
        }
        finally
        {
            var down = await Run("bash", [Script, "down"]);
            Assert.True(down.ExitCode == 0, down.Output + down.Error);
        }

        Assert.False(Directory.Exists(_environment["LETHE_CLUSTER_DIR"]));
        Assert.False(await ChildProcess.IsListening(_redisPort));
    }

    [Fact]
    public async Task A_silo_count_that_is_not_a_positive_number_is_refused_before_anything_starts()
    {
        var bad = await Run("bash", [Script, "up", "zero"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("N must be a whole number of silos, at least 1; got 'zero'", bad.Error);
        Assert.False(Directory.Exists(_environment["LETHE_CLUSTER_DIR"]));
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static string Script => Path.Combine(RepositoryPaths.Root, "scripts", "cluster.sh");

    private async Task<(int ExitCode, string Output, string Error)> Run(string file, string[] args, IReadOnlyDictionary<string, string>? extra = null)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in _environment.Concat(extra ?? new Dictionary<string, string>()))
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
