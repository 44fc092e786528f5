using System.Globalization;
using System.Text.RegularExpressions;

namespace Lethe.Cli.Tests;

/// <summary><c>lethe train --data JOB</c>: training on the grains of an embedded silo, from a job another process collected.</summary>
public sealed partial class TrainCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lethe-cli-train-").FullName;

    /// <summary>The Local platform every lethe process of a test shares (state, reminders, artifacts).</summary>
    private string Home => Path.Combine(_root, "home");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Training_a_collected_job_on_the_grains_exports_a_folder_that_status_reads_and_a_rerun_reuses()
    {
        var job = Collect();
        var hypernets = Path.Combine(_root, "hypernets");

        // A new process sees the first one's job on the durable Local platform and trains on it by id.
        var listed = LetheProcess.RunIn(Home, "status");
        var trained = LetheProcess.RunIn(Home, "train", "--data", job, "--preset", "tiny", "--steps", "40", "--root", hypernets, "--name", "tiny-job", "--threads", "1");
        var status = LetheProcess.RunIn(Home, "hypernet", "status", "tiny-job", "--root", hypernets);
        var again = LetheProcess.RunIn(Home, "train", "--data", job, "--preset", "tiny", "--steps", "40", "--root", hypernets, "--name", "tiny-job", "--threads", "1");

        Assert.True(listed.ExitCode == 0, listed.Output + listed.Error);
        Assert.Contains(job, listed.Output);
        Assert.True(trained.ExitCode == 0, trained.Output + trained.Error);
        Assert.Contains($"on job {job}", trained.Output);
        Assert.Contains("published: tiny-job v000040", trained.Output);
        Assert.True(File.Exists(Path.Combine(hypernets, "tiny-job", "models", "v000040", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(hypernets, "tiny-job", "models", "v000040", "alignment.json")));
        Assert.True(status.ExitCode == 0, status.Output + status.Error);
        Assert.Contains("step 40/40 (done)", status.Output);
        Assert.Contains("best version v000040", status.Output);
        Assert.True(again.ExitCode == 0, again.Output + again.Error);
        Assert.Contains("reusing", again.Output);

        // The exported model samples task nets and measures their per-class test losses.
        var samples = Path.Combine(_root, "samples");
        var sampled = LetheProcess.RunIn(Home, "sample", "--model", "tiny-job", "--target", "0.05,0.05,4,0.1", "--count", "2", "--steps", "2", "--evaluate", "--out", samples);
        Assert.True(sampled.ExitCode == 0, sampled.Output + sampled.Error);
        Assert.True(File.Exists(Path.Combine(samples, "samples.safetensors")));
        Assert.Contains("test loss per class of the samples", sampled.Output);
        Assert.Equal(2, SampleLossRow().Matches(sampled.Output).Count);
    }

    /// <summary>A row of 'sample --evaluate': the sample index, then one loss per MNIST-4 class.</summary>
    [GeneratedRegex(@"│ \d+\s+│(\s+\d+\.\d{3} │){4}")]
    private static partial Regex SampleLossRow();

    [Fact]
    public async Task A_killed_training_on_the_embedded_silo_continues_from_its_last_durable_checkpoint()
    {
        var job = Collect();
        var hypernets = Path.Combine(_root, "hypernets");
        string[] train = ["train", "--data", job, "--preset", "tiny", "--steps", "600", "--root", hypernets, "--name", "killed", "--threads", "1"];
        var checkpoints = Path.Combine(Home, "artifacts", "hypernets", "killed", "checkpoints");

        // The first process dies without warning (no Ctrl+C, no shutdown) once a checkpoint archive is committed.
        byte[] startedState;
        using (var first = LetheProcess.Start(Home, train))
        {
            _ = first.StandardOutput.ReadToEndAsync();
            _ = first.StandardError.ReadToEndAsync();
            await Poll.Until(() => Task.FromResult(TrainerState() is not null || first.HasExited), TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(20),
                () => "the trainer grain wrote no state within 3 minutes");
            startedState = await File.ReadAllBytesAsync(TrainerState()!);
            Assert.Empty(Committed(checkpoints));
            await Poll.Until(() => Task.FromResult(Committed(checkpoints).Any() || first.HasExited), TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(50),
                () => "no checkpoint was committed within 3 minutes");

            Assert.False(first.HasExited, "the first training ended before it could be killed");
            first.Kill(entireProcessTree: true);
            first.WaitForExit();
        }

        // The worst moment for the kill: the archive committed, the state written as the training started (not yet
        // naming the archive nor its step).
        await File.WriteAllBytesAsync(TrainerState()!, startedState);
        var killedAt = Committed(checkpoints).Select(f => int.Parse(Path.GetFileName(f)[..7], CultureInfo.InvariantCulture)).Max();
        var second = LetheProcess.RunIn(Home, train);

        Assert.True(second.ExitCode == 0, second.Output + second.Error);
        var resumedFrom = int.Parse(StartLine().Match(second.Output).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(resumedFrom >= killedAt && resumedFrom > 0, $"the second process started from step {resumedFrom}; step {killedAt} was checkpointed before the kill");
        Assert.Contains("step 600/600 (done)", second.Output);
        Assert.True(File.Exists(Path.Combine(hypernets, "killed", "models", "v000600", "model.safetensors")));
    }

    [Theory]
    [InlineData("0123456789abcdef", "Collection job 0123456789abcdef is unknown")]
    [InlineData("not-a-job", "neither an existing checkpoint folder nor a collection job id")]
    public void A_dataset_that_is_no_folder_and_no_collected_job_is_one_red_line(string data, string message)
    {
        var (exit, _, stderr) = LetheProcess.RunIn(Home, "train", "--data", data, "--preset", "tiny", "--root", Path.Combine(_root, "hypernets"));

        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error:", line);
        Assert.Contains(message, line);
        Assert.False(Directory.Exists(Path.Combine(_root, "hypernets")));
    }

    private string Collect()
    {
        var collected = LetheProcess.RunIn(Home, "collect", "--out", Path.Combine(_root, "data"), "--runs", "10", "--epochs", "2");
        Assert.True(collected.ExitCode == 0, collected.Output + collected.Error);
        return JobLine().Match(collected.Output).Groups[1].Value;
    }

    /// <summary>The embedded silo's state file of the trainer grain 'killed', or null before its first write.</summary>
    private string? TrainerState() =>
        Directory.Exists(Home) ? Directory.EnumerateFiles(Home, "killed.state", SearchOption.AllDirectories).SingleOrDefault() : null;

    /// <summary>Committed checkpoint archives (staged ones end in <c>.staged-SHA</c>).</summary>
    private static IEnumerable<string> Committed(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.zip", SearchOption.AllDirectories) : [];

    [GeneratedRegex(@"from step (\d+) of 600")]
    private static partial Regex StartLine();

    [GeneratedRegex(@"Job ([0-9a-f]{16}):")]
    private static partial Regex JobLine();
}
