namespace Lethe.Grains.Artifacts;

/// <summary>
/// Artifacts as files under a folder. Staged bytes sit at <c>{key}.staged-{sha256}</c>; committing writes the checksum
/// to <c>{key}.sha256</c> and renames the staged file to <c>{key}</c> (an atomic rename on one file system). A key is
/// committed only when both exist, so a crash between the two steps leaves nothing that reads as committed.
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
        if (await Find(key, ct) is { } existing && existing.Sha256 == sha256 && !File.Exists(StagedPath(key, sha256)))
        {
            return true;
        }

        var staged = StagedPath(key, sha256);
        if (!File.Exists(staged))
        {
            return false;
        }

        var path = PathOf(key);
        var checksum = path + ChecksumSuffix;
        var partial = $"{checksum}.partial-{Guid.NewGuid():N}";
        await File.WriteAllTextAsync(partial, sha256, ct);
        File.Move(partial, checksum, overwrite: true);
        File.Move(staged, path, overwrite: true);
        return true;
    }

    public async Task<ArtifactInfo?> Find(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        var checksum = path + ChecksumSuffix;
        if (!File.Exists(path) || !File.Exists(checksum))
        {
            return null;
        }

        var sha = (await File.ReadAllTextAsync(checksum, ct)).Trim();
        return new ArtifactInfo(key, sha, new FileInfo(path).Length);
    }

    public async Task<byte[]> ReadVerified(string key, string sha256, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No artifact {UriOf(key)}.", path);
        }

        return ArtifactChecksum.Verified(await File.ReadAllBytesAsync(path, ct), sha256, UriOf(key));
    }

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
