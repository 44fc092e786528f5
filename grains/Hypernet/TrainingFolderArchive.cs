using System.IO.Compression;

namespace Lethe.Grains.Hypernet;

/// <summary>
/// Packs a <c>HypernetTrainer</c> folder into one archive for the artifact store and unpacks it on another silo. The
/// published versions' model files (<c>models/v*/model.safetensors</c>) stay out: they are artifacts of their own, and
/// the trainer needs only <c>models/best.json</c> to go on. Their small alignment reports and plots stay in, so the
/// archive plus the published model files is the folder an in-process training keeps (what <c>lethe train</c> exports).
/// </summary>
public static class TrainingFolderArchive
{
    public static byte[] Pack(string folder)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var name = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
                if (IsVersionFile(name) || name.Contains(".tmp", StringComparison.Ordinal) || name.Contains(".partial", StringComparison.Ordinal))
                {
                    continue;
                }

                zip.CreateEntryFromFile(file, name, CompressionLevel.Fastest);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Replaces <paramref name="folder"/> with the archive's content, or with nothing (a fresh start) when null.</summary>
    public static void Restore(string folder, byte[]? archive)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        if (archive is not null)
        {
            using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
            zip.ExtractToDirectory(folder);
        }
    }

    private static bool IsVersionFile(string name) =>
        name.StartsWith("models/v", StringComparison.Ordinal) && name.Count(c => c == '/') >= 2 && name.EndsWith(".safetensors", StringComparison.Ordinal);
}
