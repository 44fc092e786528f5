using System.Collections.Concurrent;
using Lethe.Contracts.Hypernet;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Compute;
using Lethe.ML.Hypernet;
using Microsoft.Extensions.Options;

namespace Lethe.Grains.Hypernet;

/// <summary>
/// Published hypernetworks loaded on this silo, once each (keyed by name, version and checksum), for every sampler
/// activation to share. Published versions never change, so an entry never goes stale; models are small next to the
/// silo's memory, so entries live as long as the silo.
/// </summary>
public sealed class PublishedHypernetCache(IArtifactStore artifacts, ComputeExecutor executor, IOptions<HypernetTrainerOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<HypernetModel>>> _models = new();

    /// <summary>Models loaded so far on this silo (tests use it to show a version loads once).</summary>
    public int Loads { get; private set; }

    public async Task<HypernetModel> Get(PublishedHypernet published)
    {
        var id = $"{published.Name}/{published.Version}/{published.Sha256}";
        var entry = _models.GetOrAdd(id, _ => new Lazy<Task<HypernetModel>>(() => Load(published)));
        try
        {
            return await entry.Value;
        }
        catch
        {
            // A failed load (store trouble) is not cached; the next request tries again.
            _models.TryRemove(new KeyValuePair<string, Lazy<Task<HypernetModel>>>(id, entry));
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var entry in _models.Values.Where(e => e.IsValueCreated && e.Value.IsCompletedSuccessfully))
        {
            entry.Value.Result.Dispose();
        }
    }

    /// <summary>
    /// The published model file on this silo's disk (fetched from the artifact store and verified the first time), for
    /// work that loads a model of its own, e.g. an unlearning request that owns and disposes it.
    /// </summary>
    public async Task<string> LocalFile(PublishedHypernet published, CancellationToken ct)
    {
        var folder = Path.Combine(options.Value.WorkPath, "published");
        var path = Path.Combine(folder, $"{published.Name}-{published.Version}-{published.Sha256[..12]}.safetensors");
        if (File.Exists(path))
        {
            return path;
        }

        var bytes = await artifacts.ReadVerified(published.ArtifactKey, published.Sha256, ct);
        Directory.CreateDirectory(folder);
        var partial = $"{path}.partial-{Guid.NewGuid():N}";
        await File.WriteAllBytesAsync(partial, bytes, ct);
        File.Move(partial, path, overwrite: true);
        return path;
    }

    private async Task<HypernetModel> Load(PublishedHypernet published)
    {
        var path = await LocalFile(published, CancellationToken.None);
        var model = await executor.Run(() => HypernetModel.Load(path), CancellationToken.None);
        Loads++;
        return model;
    }
}
