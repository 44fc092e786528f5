using System.Text.RegularExpressions;

namespace Lethe.Cli.Tests;

/// <summary><c>lethe train --data JOB</c>: training on the grains of an embedded silo, from a job another process collected.</summary>
public sealed partial class TrainCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lethe-cli-train-").FullName;

    private string Artifacts => Path.Combine(_root, "artifacts");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Training_a_collected_job_on_the_grains_exports_a_folder_that_status_reads_and_a_rerun_reuses()
    {
        var collected = LetheProcess.RunWithArtifacts(Artifacts, "collect", "--out", Path.Combine(_root, "data"), "--runs", "10", "--epochs", "2");
        Assert.True(collected.ExitCode == 0, collected.Output + collected.Error);
        var job = JobLine().Match(collected.Output).Groups[1].Value;
        var hypernets = Path.Combine(_root, "hypernets");

        // A new process: its embedded silo has never heard of the job and finds it through the artifact store.
        var trained = LetheProcess.RunWithArtifacts(Artifacts, "train", "--data", job, "--preset", "tiny", "--steps", "40", "--root", hypernets, "--name", "tiny-job", "--threads", "1");
        var status = LetheProcess.RunWithArtifacts(Artifacts, "hypernet", "status", "tiny-job", "--root", hypernets);
        var again = LetheProcess.RunWithArtifacts(Artifacts, "train", "--data", job, "--preset", "tiny", "--steps", "40", "--root", hypernets, "--name", "tiny-job", "--threads", "1");

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
    }

    [Theory]
    [InlineData("0123456789abcdef", "Collection job 0123456789abcdef is unknown")]
    [InlineData("not-a-job", "neither an existing checkpoint folder nor a collection job id")]
    public void A_dataset_that_is_no_folder_and_no_collected_job_is_one_red_line(string data, string message)
    {
        var (exit, _, stderr) = LetheProcess.RunWithArtifacts(Artifacts, "train", "--data", data, "--preset", "tiny", "--root", Path.Combine(_root, "hypernets"));

        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error:", line);
        Assert.Contains(message, line);
        Assert.False(Directory.Exists(Path.Combine(_root, "hypernets")));
    }

    [GeneratedRegex(@"Job ([0-9a-f]{16}):")]
    private static partial Regex JobLine();
}
