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
}
