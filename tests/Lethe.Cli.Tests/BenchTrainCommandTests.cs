using System.Text.Json;

namespace Lethe.Cli.Tests;

public sealed class BenchTrainCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lethe-bench-train-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Bench_train_times_steps_and_the_held_out_loss_both_ways_with_the_same_loss()
    {
        var json = Path.Combine(_root, "train.json");

        var run = LetheProcess.RunIn(Path.Combine(_root, "home"), "bench", "train", "--variant", "dihyfo1", "--preset", "tiny", "--seconds", "1", "--threads", "1", "--json", json);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        using var figures = JsonDocument.Parse(File.ReadAllText(json));
        var root = figures.RootElement;
        Assert.True(root.GetProperty("steps").GetInt32() > 0, root.GetRawText());
        Assert.Equal(512, root.GetProperty("heldout_rows").GetInt32());
        Assert.True(root.GetProperty("heldout_one_pass_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("heldout_in_passes_of_batch_ms").GetDouble() > 0);
        // Passes of the batch's rows predict the same rows up to float rounding, so the loss agrees to rounding too.
        Assert.True(root.GetProperty("heldout_loss_difference").GetDouble() < 1e-5, root.GetRawText());
    }
}
