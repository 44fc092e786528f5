namespace Lethe.Grains.Artifacts;

/// <summary>
/// Artifacts as files under a folder. Staged bytes sit at <c>{key}.staged-{sha256}</c>; committing renames the staged
/// file to <c>{key}</c> without replacing an existing one (an atomic rename on one file system, so the first commit
/// wins and a committed artifact never changes), and <c>{key}.sha256</c> records the checksum.
/// </summary>
public sealed class LocalFolderArtifactStore : IArtifactStore
{
    private const string ChecksumSuffix = ".sha256";

    public LocalFolderArtifactStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Kind => "local";

    public string UriOf(string key) => new Uri(PathOf(key)).AbsoluteUri;

    public async Task Stage(string key, byte[] bytes, string sha256, CancellationToken ct)
    {
        var staged = StagedPath(key, sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
        var partial = $"{staged}.partial-{Guid.NewGuid():N}";
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await file.WriteAsync(bytes, ct);
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }

            File.Move(partial, staged, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    public async Task<bool> Commit(string key, string sha256, CancellationToken ct)
    {
        var staged = StagedPath(key, sha256);
        if (File.Exists(staged))
        {
            try
            {
                File.Move(staged, PathOf(key), overwrite: false);
            }
            catch (IOException) when (File.Exists(PathOf(key)))
            {
                // Someone committed first (e.g. a duplicate activation during a failure); theirs stays.
                File.Delete(staged);
            }
        }

        return await Find(key, ct) is { } committed && committed.Sha256 == sha256;
    }

    public async Task<ArtifactInfo?> Find(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        // Only a rename of a complete staged file creates the final name, so its bytes are whole; the checksum file is
        // a cache of their SHA-256, rebuilt if a crash came between the rename and its write.
        var checksum = path + ChecksumSuffix;
        if (!File.Exists(checksum))
        {
            var partial = $"{checksum}.partial-{Guid.NewGuid():N}";
            await File.WriteAllTextAsync(partial, ArtifactChecksum.Sha256Of(await File.ReadAllBytesAsync(path, ct)), ct);
            File.Move(partial, checksum, overwrite: true);
        }

        var sha = (await File.ReadAllTextAsync(checksum, ct)).Trim();
        return new ArtifactInfo(key, sha, new FileInfo(path).Length);
    }

    public string? LocalFile(string key) => File.Exists(PathOf(key)) ? PathOf(key) : null;

    public async Task<byte[]> ReadVerified(string key, string sha256, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No artifact {UriOf(key)}.", path);
        }

        return ArtifactChecksum.Verified(await File.ReadAllBytesAsync(path, ct), sha256, UriOf(key));
    }

    public async Task<IReadOnlyList<ArtifactInfo>> List(string prefix, CancellationToken ct)
    {
        // Only the folder the prefix ends in (and below) can hold matching keys; staging and checksum files are bookkeeping.
        var folder = Path.GetDirectoryName(PathOf(prefix + "_"))!;
        var found = new List<ArtifactInfo>();
        if (!Directory.Exists(folder))
        {
            return found;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var key = Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(prefix, StringComparison.Ordinal) && !IsBookkeeping(key) && await Find(key, ct) is { } info)
            {
                found.Add(info);
            }
        }

        return found.OrderBy(info => info.Key, StringComparer.Ordinal).ToList();
    }

    public Task Delete(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        File.Delete(PathOf(key) + ChecksumSuffix);
        return Task.CompletedTask;
    }

    private static bool IsBookkeeping(string key) =>
        key.EndsWith(ChecksumSuffix, StringComparison.Ordinal) || key.Contains(".staged-", StringComparison.Ordinal) || key.Contains(".partial-", StringComparison.Ordinal);

    private string StagedPath(string key, string sha256) => $"{PathOf(key)}.staged-{sha256}";

    private string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(Root, key));
        if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Artifact key '{key}' leaves the store folder {Root}.");
        }

        return path;
    }
}
