using Lethe.ML.Hypernet;

namespace Lethe.Hypernet.Tests;

public sealed class TrainingFolderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"lethe-training-folder-tests-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void A_packed_folder_restores_without_the_versions_model_files_or_temporary_files()
    {
        var source = Path.Combine(_root, "source");
        var kept = new[] { "training.json", "state/current.json", "state/weights-0000020.safetensors", "models/best.json", "models/v000020/alignment.json" };
        var dropped = new[] { "models/v000020/model.safetensors", "status.json.tmp-0123", "state/optimizer-0000020.bin.tmp" };
        foreach (var file in kept.Concat(dropped))
        {
            Write(Path.Combine(source, file), file);
        }

        var restored = TrainingFolder.Restore(Path.Combine(_root, "restored"), new TrainingFolder(source).Pack());

        var files = Directory.EnumerateFiles(restored.Path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(restored.Path, f).Replace(Path.DirectorySeparatorChar, '/'));
        Assert.Equal(kept.Order(), files.Order());
        Assert.All(kept, f => Assert.Equal(f, File.ReadAllText(Path.Combine(restored.Path, f))));
    }

    [Fact]
    public void Restoring_no_archive_leaves_an_empty_folder()
    {
        var folder = Path.Combine(_root, "training");
        Write(Path.Combine(folder, "state", "current.json"), "{}");

        TrainingFolder.Restore(folder, archive: null);

        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
