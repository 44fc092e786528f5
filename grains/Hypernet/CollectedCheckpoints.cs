using Lethe.Contracts.Artifacts;
using System.Text.Json;
using Lethe.Contracts.Collection;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Collection;
using Lethe.ML.Collection;
using Lethe.ML.Storage;

namespace Lethe.Grains.Hypernet;

/// <summary>
/// A hypernetwork's training set: every sealed shard of one or more completed collection jobs, read from the artifact
/// store and verified. The jobs must share a task (preset, pivots) and a digits source.
/// </summary>
public sealed record CollectedCheckpoints(CheckpointBatch Batch, CollectionSpec Spec, string Identity)
{
    /// <summary>Checks, before any work, that every job exists, is completed and sealed at least one shard.</summary>
    /// <exception cref="ArgumentException">No job, a job that is unknown, unfinished or empty.</exception>
    public static async Task<IReadOnlyList<CheckpointShardManifest>> Shards(IGrainFactory grains, IReadOnlyList<string> jobIds)
    {
        if (jobIds.Count == 0)
        {
            throw new ArgumentException("The training needs at least one collection job id as its dataset.");
        }

        var shards = new List<CheckpointShardManifest>();
        foreach (var jobId in jobIds.Distinct())
        {
            var job = grains.GetGrain<ICollectionJobGrain>(jobId);
            var progress = await job.GetProgress();
            if (progress.Status != JobStatus.Completed || progress.ShardsSealed == 0)
            {
                throw new ArgumentException(progress.Status == JobStatus.Planned && progress.ShardsPlanned == 0
                    ? $"Collection job {jobId} is unknown; collect first with 'lethe collect'."
                    : $"Collection job {jobId} is {progress.Status} with {progress.ShardsSealed} sealed shards; a dataset must come from a completed job.");
            }

            shards.AddRange(await job.GetShards());
        }

        return shards;
    }

    public static async Task<CollectedCheckpoints> Read(IGrainFactory grains, IArtifactStore artifacts, IReadOnlyList<string> jobIds, CancellationToken ct)
    {
        var parts = new List<CheckpointBatch>();
        CollectionSpec? spec = null;
        foreach (var shard in await Shards(grains, jobIds))
        {
            var (batch, shardSpec) = await ReadShard(artifacts, shard, ct);
            spec = SameTask(spec, shardSpec, shard.JobId);
            parts.Add(batch);
        }

        var all = CheckpointBatch.Concat(parts);
        return new CollectedCheckpoints(all, spec!, $"{ArtifactKeys.DatasetOf(jobIds)}:{all.Count}");
    }

    /// <summary>
    /// The dataset as a streaming source: every sealed shard memory-mapped, in place when the store is a local folder,
    /// otherwise from a verified copy under <paramref name="cacheFolder"/> (fetched once per silo, written atomically,
    /// named by checksum so a stale copy is never reused). Only the small columns are read into memory. Opening reads and
    /// verifies every shard once, on a thread-pool thread.
    /// </summary>
    public static async Task<(MappedShardSource Source, CollectionSpec Spec, string Identity)> Open(
        IGrainFactory grains, IArtifactStore artifacts, IReadOnlyList<string> jobIds, string cacheFolder, CancellationToken ct)
    {
        var files = new List<(string Path, string Sha256)>();
        var shards = await Shards(grains, jobIds);
        foreach (var shard in shards)
        {
            var key = ArtifactKeys.Shard(shard.JobId, shard.Index);
            var path = artifacts.LocalFile(key);
            if (path is null)
            {
                path = Path.Combine(cacheFolder, key.Replace('/', Path.DirectorySeparatorChar) + $".{shard.Sha256[..16]}");
                if (!File.Exists(path))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    ShardFolder.WriteAtomically(path, await artifacts.ReadVerified(key, shard.Sha256, ct));
                }
            }

            files.Add((path, shard.Sha256));
        }

        var source = await Task.Run(() => MappedShardSource.Open(files), ct);
        try
        {
            CollectionSpec? spec = null;
            for (var i = 0; i < shards.Count; i++)
            {
                spec = SameTask(spec, SpecOf(source.ShardMetadata[i], ArtifactKeys.Shard(shards[i].JobId, shards[i].Index)), shards[i].JobId);
            }

            return (source, spec!, $"{ArtifactKeys.DatasetOf(jobIds)}:{source.Count}");
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>One sealed shard, verified, with the collection spec its metadata carries.</summary>
    public static async Task<(CheckpointBatch Batch, CollectionSpec Spec)> ReadShard(IArtifactStore artifacts, CheckpointShardManifest shard, CancellationToken ct)
    {
        var key = ArtifactKeys.Shard(shard.JobId, shard.Index);
        var (batch, metadata) = ShardFile.Deserialize(await artifacts.ReadVerified(key, shard.Sha256, ct), key);
        return (batch, SpecOf(metadata, key));
    }

    /// <summary>The collection spec a shard's metadata carries.</summary>
    private static CollectionSpec SpecOf(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue("spec", out var json)
            ? JsonSerializer.Deserialize<CollectionSpec>(json) ?? throw new InvalidDataException($"Shard {key} has an empty spec.")
            : throw new InvalidDataException($"Shard {key} carries no collection spec in its metadata.");

    /// <summary>The dataset's spec so far (null before the first shard), checked against one more shard's.</summary>
    /// <exception cref="ArgumentException">The shard's job collected another task or from other digits.</exception>
    public static CollectionSpec SameTask(CollectionSpec? spec, CollectionSpec shardSpec, string jobId)
    {
        if (spec is not null && (shardSpec.Task.Name != spec.Task.Name || !shardSpec.Task.Pivots.SequenceEqual(spec.Task.Pivots) || shardSpec.Data != spec.Data))
        {
            throw new ArgumentException($"Job {jobId} collected {shardSpec.Preset} (pivots {string.Join(",", shardSpec.Task.Pivots)}, data {shardSpec.Data}); the other jobs collected {spec.Preset} (pivots {string.Join(",", spec.Task.Pivots)}, data {spec.Data}). One training needs one task.");
        }

        return spec ?? shardSpec;
    }
}
