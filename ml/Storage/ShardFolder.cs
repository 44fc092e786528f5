using System.Security.Cryptography;

namespace Lethe.ML.Storage;

/// <summary>
/// A local folder of checkpoint shards and their <c>manifest.json</c>. A shard becomes visible only complete: its bytes
/// go to a temporary name, are flushed, renamed, and only then recorded (with their SHA-256) in the manifest, which is
/// itself replaced atomically. Reading verifies every checksum.
/// </summary>
public sealed class ShardFolder
{
    private readonly Lock _gate = new();
    private ShardManifest _manifest;

    private ShardFolder(string path, ShardManifest manifest)
    {
        Path = path;
        _manifest = manifest;
    }

    public string Path { get; }

    public ShardManifest Manifest
    {
        get
        {
            lock (_gate)
            {
                return _manifest;
            }
        }
    }

    /// <summary>Opens a folder, creating it (and checking it is writable) when <paramref name="create"/> is set.</summary>
    public static ShardFolder Open(string path, bool create = false)
    {
        var manifestPath = System.IO.Path.Combine(path, ShardManifest.FileName);
        if (File.Exists(manifestPath))
        {
            return new ShardFolder(path, ShardManifest.FromJson(File.ReadAllText(manifestPath), manifestPath));
        }

        if (!create)
        {
            throw new DirectoryNotFoundException($"{path} holds no checkpoint dataset ({ShardManifest.FileName} not found); write one with 'lethe collect --out {path}'.");
        }

        try
        {
            Directory.CreateDirectory(path);
            var probe = System.IO.Path.Combine(path, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"Cannot write to output folder {path}: {e.Message}", e);
        }

        return new ShardFolder(path, new ShardManifest(new Dictionary<string, string>(), []));
    }

    public ShardEntry? Find(string name) => Manifest.Shards.FirstOrDefault(s => s.Name == name);

    /// <summary>Writes a shard and records it; a shard of the same name is replaced.</summary>
    public ShardEntry Add(string name, byte[] bytes, int count, int firstRun, int lastRun, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entry = new ShardEntry(name, Sha256Of(bytes), bytes.Length, count, firstRun, lastRun);
        WriteAtomically(System.IO.Path.Combine(Path, name), bytes);
        lock (_gate)
        {
            var shards = _manifest.Shards.Where(s => s.Name != name).Append(entry).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            _manifest = new ShardManifest(metadata ?? _manifest.Metadata, shards);
            WriteAtomically(System.IO.Path.Combine(Path, ShardManifest.FileName), System.Text.Encoding.UTF8.GetBytes(_manifest.ToJson()));
        }

        return entry;
    }

    /// <summary>Reads one shard's bytes and checks them against the manifest.</summary>
    public byte[] ReadVerified(ShardEntry entry) =>
        ReadVerified(System.IO.Path.Combine(Path, entry.Name), entry.Sha256, $"listed in {System.IO.Path.Combine(Path, ShardManifest.FileName)}", "delete it and re-run collect to recompute it");

    /// <summary>A shard file's bytes, checked against <paramref name="sha256"/>; the errors say where it was listed and what to do.</summary>
    public static byte[] ReadVerified(string path, string sha256, string listedIn, string remedy)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Shard {path} {listedIn} is missing.");
        }

        var bytes = File.ReadAllBytes(path);
        var actual = Sha256Of(bytes);
        if (actual != sha256)
        {
            throw new InvalidDataException($"Shard {path} failed its checksum: {listedIn} with SHA-256 {sha256}, the file has {actual}. The file is corrupted; {remedy}.");
        }

        return bytes;
    }

    /// <summary>Streams the shards in manifest order, each verified, so training never holds the whole dataset twice.</summary>
    public IEnumerable<(ShardEntry Entry, CheckpointBatch Batch)> ReadShards()
    {
        foreach (var entry in Manifest.Shards)
        {
            yield return (entry, ShardFile.Deserialize(ReadVerified(entry), entry.Name).Batch);
        }
    }

    /// <summary>
    /// The small columns of every checkpoint (class losses and accuracies, run, step, epoch) in one batch without
    /// parameters (<see cref="CheckpointBatch.ParameterCount"/> 0): what summaries need, a few bytes per checkpoint, so a
    /// dataset of millions of checkpoints is read one shard at a time.
    /// </summary>
    public CheckpointBatch ReadColumns() =>
        CheckpointBatch.Concat(ReadShards().Select(s => s.Batch with { ParameterCount = 0, Params = [] }).ToList());

    /// <summary>Every checkpoint of the folder in one batch.</summary>
    public CheckpointBatch ReadAll() => CheckpointBatch.Concat(ReadShards().Select(s => s.Batch).ToList());

    public static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = $"{path}.tmp-{Guid.NewGuid():N}";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
