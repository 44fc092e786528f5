using Lethe.ML.Data;
using Lethe.ML.Nets;

namespace Lethe.Cli.Tests;

public class UnlearnCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lethe-unlearn-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Model(TaskPreset preset)
    {
        var layout = ParameterLayout.For(preset.Architecture);
        var path = Path.Combine(_root, $"{preset.Name}.safetensors");
        MlpFile.Save(path, layout, layout.InitialParameters(1));
        return path;
    }

    [Theory]
    [InlineData("The forget set is empty", "--forget", "")]
    [InlineData("contains pivot class 0", "--forget", "0,2")]
    [InlineData("class 9 is not in preset mnist4", "--forget", "9")]
    [InlineData("holds a 784-2-4 MLP; this preset needs 784-7-10", "--preset", "mnist")]
    [InlineData("Unknown unlearning method 'amnesia'", "--method", "amnesia")]
    public void Invalid_request_is_one_error_line_exit_2_and_no_output(string message, string option, string value)
    {
        string[] forget = option == "--forget" ? [] : ["--forget", "2"];
        var (exit, _, stderr) = LetheProcess.Run(Path.Combine(_root, "artifacts"), ["unlearn", "--model", Model(TaskPreset.Mnist4), .. forget, option, value]);

        Assert.Equal(2, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(message, lines[0]);
        Assert.Single(Directory.GetFiles(_root));
    }

    [Fact]
    public void Unreadable_model_file_is_named_in_the_error()
    {
        var garbage = Path.Combine(_root, "garbage.safetensors");
        File.WriteAllText(garbage, "not a safetensors file");

        var missing = LetheProcess.Run(Path.Combine(_root, "artifacts"), "unlearn", "--model", Path.Combine(_root, "missing.safetensors"), "--forget", "2");
        var corrupt = LetheProcess.Run(Path.Combine(_root, "artifacts"), "unlearn", "--model", garbage, "--forget", "2");

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("Cannot read model file", missing.Error);
        Assert.Equal(2, corrupt.ExitCode);
        Assert.Contains("garbage.safetensors", corrupt.Error);
    }

    [Fact]
    public void Unlearn_writes_a_loadable_model_and_its_report()
    {
        var model = Path.Combine(_root, "original.safetensors");
        var train = LetheProcess.Run(Path.Combine(_root, "artifacts"), "train-original", "--preset", "mnist4", "--out", model);
        Assert.True(train.ExitCode == 0, train.Output + train.Error);

        var unlearn = LetheProcess.Run(Path.Combine(_root, "artifacts"), "unlearn", "--model", model, "--forget", "2", "--method", "finetune");
        Assert.True(unlearn.ExitCode == 0, unlearn.Output + unlearn.Error);

        var output = Path.Combine(_root, "original.finetune.forget2.safetensors");
        var (layout, _, metadata) = MlpFile.Load(output, TaskPreset.Mnist4.Architecture);
        Assert.Equal(1582, layout.Count);
        Assert.Equal("finetune", metadata["lethe.method"]);
        Assert.Equal("2", metadata["lethe.forget"]);
        foreach (var extension in new[] { "json", "md", "png" })
        {
            Assert.True(File.Exists(Path.Combine(_root, $"original.finetune.forget2.report.{extension}")), extension);
        }
    }
}
