using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Lethe.Grains.Artifacts;

/// <summary>
/// Artifacts as block blobs. Staging uploads uncommitted blocks (invisible to readers and listings); committing the
/// block list publishes the blob atomically with its SHA-256 in the blob metadata, only if no blob exists yet (the first
/// commit wins). Block ids derive from the checksum, so a commit after a crash either finds exactly the staged bytes or
/// fails and the caller recomputes them.
/// </summary>
public sealed class AzureBlobArtifactStore : IArtifactStore
{
    private const string ChecksumMetadata = "sha256";
    private const int BlockSize = 4 << 20;

    private readonly BlobContainerClient _container;
    private readonly SemaphoreSlim _created = new(1, 1);
    private bool _exists;

    public AzureBlobArtifactStore(BlobContainerClient container)
    {
        _container = container;
    }

    public string Kind => "blob";

    public string UriOf(string key) => _container.GetBlobClient(key).Uri.AbsoluteUri;

    public async Task Stage(string key, byte[] bytes, string sha256, CancellationToken ct)
    {
        await EnsureContainer(ct);
        var blob = _container.GetBlockBlobClient(key);
        var ids = BlockIds(sha256, bytes.Length);
        for (var i = 0; i < ids.Count; i++)
        {
            var offset = i * BlockSize;
            using var block = new MemoryStream(bytes, offset, Math.Min(BlockSize, bytes.Length - offset), writable: false);
            await blob.StageBlockAsync(ids[i], block, cancellationToken: ct);
        }
    }

    public async Task<bool> Commit(string key, string sha256, CancellationToken ct)
    {
        await EnsureContainer(ct);
        var blob = _container.GetBlockBlobClient(key);
        var staged = await StagedLength(blob, sha256, ct);
        if (staged is null)
        {
            return await Find(key, ct) is { } existing && existing.Sha256 == sha256;
        }

        var options = new CommitBlockListOptions
        {
            Metadata = new Dictionary<string, string> { [ChecksumMetadata] = sha256 },
            // The first commit wins; a committed artifact never changes under a reader.
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        try
        {
            await blob.CommitBlockListAsync(BlockIds(sha256, staged.Value), options, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return await Find(key, ct) is { } existing && existing.Sha256 == sha256;
        }
    }

    public async Task<ArtifactInfo?> Find(string key, CancellationToken ct)
    {
        try
        {
            var properties = (await _container.GetBlobClient(key).GetPropertiesAsync(cancellationToken: ct)).Value;
            return properties.Metadata.TryGetValue(ChecksumMetadata, out var sha)
                ? new ArtifactInfo(key, sha, properties.ContentLength)
                : null;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<byte[]> ReadVerified(string key, string sha256, CancellationToken ct)
    {
        try
        {
            var content = (await _container.GetBlobClient(key).DownloadContentAsync(ct)).Value.Content;
            return ArtifactChecksum.Verified(content.ToArray(), sha256, UriOf(key));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new FileNotFoundException($"No artifact {UriOf(key)}.", e);
        }
    }

    public async Task<IReadOnlyList<ArtifactInfo>> List(string prefix, CancellationToken ct)
    {
        var found = new List<ArtifactInfo>();
        try
        {
            // Listings show committed blobs only; one without a checksum was not written by this store.
            await foreach (var blob in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, ct))
            {
                if (blob.Metadata.TryGetValue(ChecksumMetadata, out var sha))
                {
                    found.Add(new ArtifactInfo(blob.Name, sha, blob.Properties.ContentLength ?? 0));
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No container yet: nothing was ever committed.
        }

        return found.OrderBy(info => info.Key, StringComparer.Ordinal).ToList();
    }

    public async Task Delete(string key, CancellationToken ct) =>
        await _container.GetBlobClient(key).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct);

    /// <summary>The length of the bytes staged under this checksum, when every one of their blocks is still uncommitted.</summary>
    private static async Task<long?> StagedLength(BlockBlobClient blob, string sha256, CancellationToken ct)
    {
        BlockList list;
        try
        {
            list = (await blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: ct)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }

        var prefix = BlockPrefix(sha256);
        var ours = list.UncommittedBlocks
            .Where(b => Encoding.ASCII.GetString(Convert.FromBase64String(b.Name)).StartsWith(prefix, StringComparison.Ordinal))
            .ToList();
        if (ours.Count == 0)
        {
            return null;
        }

        var length = ours.Sum(b => b.SizeLong);
        return BlockIds(sha256, length).Count == ours.Count ? length : null;
    }

    private static string BlockPrefix(string sha256) => sha256[..32];

    private static List<string> BlockIds(string sha256, long length)
    {
        var count = (int)Math.Max(1, (length + BlockSize - 1) / BlockSize);
        return Enumerable.Range(0, count)
            .Select(i => Convert.ToBase64String(Encoding.ASCII.GetBytes($"{BlockPrefix(sha256)}-{i:D6}")))
            .ToList();
    }

    private async Task EnsureContainer(CancellationToken ct)
    {
        if (_exists)
        {
            return;
        }

        await _created.WaitAsync(ct);
        try
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: ct);
            _exists = true;
        }
        finally
        {
            _created.Release();
        }
    }
}
