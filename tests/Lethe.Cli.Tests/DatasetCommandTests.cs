namespace Lethe.Cli.Tests;

public sealed class DatasetCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lethe-dataset-cli-").FullName;

    private string Home => Path.Combine(_root, "home");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Dataset_list_shows_a_collected_dataset_and_delete_removes_its_artifacts()
    {
        var collect = LetheProcess.RunIn(Home, "collect", "--runs", "16", "--epochs", "2", "--out", Path.Combine(_root, "data"));
        Assert.True(collect.ExitCode == 0, collect.Output + collect.Error);
        var jobId = System.Text.RegularExpressions.Regex.Match(collect.Output, "Job ([0-9a-f]+):").Groups[1].Value;

        var list = LetheProcess.RunIn(Home, "dataset", "list");
        Assert.True(list.ExitCode == 0, list.Output + list.Error);
        Assert.Contains(jobId, list.Output);
        Assert.Matches(@"GB per million checkpoints", list.Output);
        var jobFolder = Path.Combine(Home, "artifacts", "jobs", jobId);
        Assert.NotEmpty(Directory.GetFiles(jobFolder, "*.safetensors"));

        var delete = LetheProcess.RunIn(Home, "dataset", "delete", jobId);
        Assert.True(delete.ExitCode == 0, delete.Output + delete.Error);
        Assert.Contains($"dataset {jobId} deleted", delete.Output);
        Assert.Empty(Directory.GetFiles(jobFolder, "*.safetensors"));
        Assert.DoesNotContain(jobId, LetheProcess.RunIn(Home, "dataset", "list").Output);

        var unknown = LetheProcess.RunIn(Home, "dataset", "delete", jobId);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains($"No dataset {jobId}; 'lethe dataset list' lists them.", unknown.Error);
    }
}
