using Lethe.Contracts.Collection;
using Lethe.Grains.Collection;
using Lethe.ML.Collection;
using Lethe.ML.Storage;

namespace Lethe.Client.Cluster;

/// <summary>Submits a collection job to the grains, follows it to the end, and exports its shards into a dataset folder.</summary>
public sealed class CollectionJobSession(LetheConnection connection, CollectionSpec spec)
{
    private readonly ICollectionJobGrain _job = connection.Client.GetGrain<ICollectionJobGrain>(spec.Id);

    public string JobId => spec.Id;

    /// <summary>Plans (validating on the silo) and starts the job; a job already planned or finished continues.</summary>
    public async Task<JobProgress> Start()
    {
        await _job.Plan(spec.ToJobSpec());
        return await _job.Start();
    }

    /// <summary>Polls until the job finishes; throws when it failed.</summary>
    public async Task<JobProgress> WaitForCompletion(Action<JobProgress> report, TimeSpan pollInterval, CancellationToken ct)
    {
        while (true)
        {
            var progress = await _job.GetProgress();
            report(progress);
            if (progress.IsFinished)
            {
                return progress.Status == JobStatus.Failed
                    ? throw new InvalidOperationException($"Collection job {JobId} failed: {progress.Error}")
                    : progress;
            }

            await Task.Delay(pollInterval, ct);
        }
    }

    /// <summary>
    /// Copies the job's sealed shards into <paramref name="folder"/> (checksums verified on read and recorded in its
    /// manifest); shards the folder already holds with the same checksum are skipped. Returns the shards copied.
    /// </summary>
    public async Task<int> Export(ShardFolder folder, CancellationToken ct)
    {
        if (folder.Manifest.Metadata.TryGetValue("job", out var existing) && existing != JobId && folder.Manifest.Shards.Count > 0)
        {
            throw new InvalidOperationException(
                $"{folder.Path} already holds collection job {existing}; this spec is job {JobId}. Use another --out folder, or the same options as before.");
        }

        var copied = 0;
        foreach (var shard in await _job.GetShards())
        {
            if (folder.Find(shard.Name) is { } present && present.Sha256 == shard.Sha256 && IsIntact(folder, present))
            {
                continue;
            }

            var bytes = await connection.Artifacts.ReadVerified(CollectionJobSpecExtensions.ShardKey(JobId, shard.Index), shard.Sha256, ct);
            var dataset = ShardFile.Deserialize(bytes, shard.Uri).Metadata.GetValueOrDefault("dataset", spec.Data);
            folder.Add(shard.Name, bytes, shard.Count, shard.FirstRun, shard.LastRun, ShardedCollection.Metadata(spec, dataset));
            copied++;
        }

        return copied;
    }

    private static bool IsIntact(ShardFolder folder, ShardEntry entry)
    {
        try
        {
            folder.ReadVerified(entry);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            return false;
        }
    }
}
