namespace Lethe.Cli.Tests;

public class CollectCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lethe-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("Unknown preset 'cifar'", "--preset", "cifar")]
    [InlineData("class 7 is not in preset mnist4", "--pivots", "0,7")]
    [InlineData("neither 'npm' nor an existing folder of IDX files", "--data", "/nonexistent/idx")]
    [InlineData("--runs must be at least 1", "--runs", "0")]
    public void Bad_input_is_one_red_line_a_non_zero_exit_and_no_output_folder(string message, string option, string value)
    {
        var output = Path.Combine(_root, "out");

        string[] size = option == "--runs" ? ["--epochs", "1"] : ["--runs", "2", "--epochs", "1"];
        var (exit, _, stderr) = LetheProcess.RunIn(Path.Combine(_root, "home"), ["collect", "--out", output, .. size, option, value]);

        Assert.Equal(2, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error:", lines[0]);
        Assert.Contains(message, lines[0]);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void An_unwritable_output_folder_is_reported()
    {
        var (exit, _, stderr) = LetheProcess.RunIn(Path.Combine(_root, "home"), "collect", "--out", "/proc/lethe-cannot-write", "--runs", "2", "--epochs", "1");

        Assert.Equal(2, exit);
        Assert.Contains("Cannot write to output folder", stderr);
    }

    [Fact]
    public void Collect_writes_verified_shards_then_a_rerun_trains_nothing_and_a_corrupted_copy_is_replaced()
    {
        var output = Path.Combine(_root, "data");

        var first = LetheProcess.RunIn(Path.Combine(_root, "home"), "collect", "--out", output, "--runs", "8", "--epochs", "1");
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        Assert.Contains("checkpoints from 8 runs", first.Output);
        Assert.Contains("runs sealed by this command: 8", first.Output);
        Assert.Contains("checkpoints that lack one class", first.Output);
        Assert.Contains("DiHyFo's references", first.Output);
        Assert.True(File.Exists(Path.Combine(output, "class-loss-histogram.png")));

        var second = LetheProcess.RunIn(Path.Combine(_root, "home"), "collect", "--out", output, "--runs", "8", "--epochs", "1");
        Assert.Contains("nothing to train", second.Output);

        var elsewhere = LetheProcess.RunIn(Path.Combine(_root, "home"), "collect", "--out", Path.Combine(_root, "copy"), "--runs", "8", "--epochs", "1");
        Assert.Contains("runs sealed by this command: 0", elsewhere.Output);
        Assert.Contains("checkpoints from 8 runs", elsewhere.Output);

        var shard = Directory.GetFiles(output, "shard-*.safetensors").First();
        var bytes = File.ReadAllBytes(shard);
        bytes[^3] ^= 0x10;
        File.WriteAllBytes(shard, bytes);
        var status = LetheProcess.RunIn(Path.Combine(_root, "home"), "collect", "--out", output, "--runs", "8", "--epochs", "1");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("1 shards written", status.Output);
    }

    [Fact]
    public async Task A_command_stopped_with_sigterm_prints_one_line_and_its_job_stops()
    {
        var home = Path.Combine(_root, "home");
        using var process = LetheProcess.Start(home, "collect", "--out", Path.Combine(_root, "big"), "--runs", "4096");
        var error = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        var job = await Poll.Until(async () =>
        {
            var line = await process.StandardOutput.ReadLineAsync();
            lines.Add(line ?? "");
            return line is null ? "" : System.Text.RegularExpressions.Regex.Match(line, "Job ([0-9a-f]{16}):") is { Success: true } m ? m.Groups[1].Value : null;
        }, TimeSpan.FromMinutes(2), TimeSpan.Zero, () => $"lethe collect printed no job line: {string.Join('\n', lines)}");
        Assert.NotEqual("", job);

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        var rest = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(130, process.ExitCode);
        Assert.Equal("", await error);
        var after = rest.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains('%')).ToList();
        Assert.Equal(["cancelled"], after);
        var status = LetheProcess.RunIn(home, "status", job);
        Assert.Contains("Cancelled", status.Output);
        Assert.False(Directory.Exists(Path.Combine(_root, "big")) && Directory.EnumerateFiles(Path.Combine(_root, "big"), "*.partial*", SearchOption.AllDirectories).Any());
    }
}
