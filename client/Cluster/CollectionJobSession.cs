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

    /// <summary>Validates the spec on the silo and records the job's plan; a job planned before keeps its progress.</summary>
    public Task<JobPlan> Plan() => _job.Plan(spec.ToJobSpec());

    /// <summary>Plans and starts the job (a finished job stays finished; an unfinished one continues).</summary>
    public async Task<JobProgress> Start()
    {
        await Plan();
        return await _job.Start();
    }

    /// <summary>Shards of this job that <paramref name="folder"/> lacks or that fail their checksum there.</summary>
    public IReadOnlyList<int> PendingIn(ShardFolder folder)
    {
        RequireSameJob(folder);
        return Enumerable.Range(0, spec.ShardCount).Where(i => !HoldsVerified(folder, CollectionSpec.ShardName(i))).ToList();
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
        RequireSameJob(folder);
        var copied = 0;
        foreach (var shard in await _job.GetShards())
        {
            if (folder.Find(shard.Name) is { } present && present.Sha256 == shard.Sha256 && HoldsVerified(folder, shard.Name))
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

    private void RequireSameJob(ShardFolder folder)
    {
        if (folder.Manifest.Metadata.TryGetValue("job", out var existing) && existing != JobId && folder.Manifest.Shards.Count > 0)
        {
            throw new InvalidOperationException(
                $"{folder.Path} already holds collection job {existing}; this spec is job {JobId}. Use another --out folder, or the same options as before to continue that job.");
        }
    }

    private static bool HoldsVerified(ShardFolder folder, string name)
    {
        if (folder.Find(name) is not { } entry)
        {
            return false;
        }

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
