using System.Text.Json;
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

    /// <summary>
    /// Makes sure job <paramref name="jobId"/> is completed on the silos, as a training's or a request's dataset must be:
    /// a planned job is started and a running one awaited. A job the silos do not know (an embedded silo keeps grain
    /// state in memory, so each CLI process starts empty) is planned again from the collection spec stored in its first
    /// sealed shard in the artifact store; its shards then adopt the committed files and nothing is trained again.
    /// </summary>
    /// <exception cref="ArgumentException">No such job on the silos and no sealed shard of it in the artifact store.</exception>
    public static async Task<JobProgress> Attach(LetheConnection connection, string jobId, CancellationToken ct)
    {
        var job = connection.Client.GetGrain<ICollectionJobGrain>(jobId);
        var progress = await job.GetProgress();
        if (progress.IsFinished)
        {
            return progress;
        }

        if (progress.Status == JobStatus.Planned && progress.ShardsPlanned == 0)
        {
            var key = CollectionJobSpecExtensions.ShardKey(jobId, 0);
            if (await connection.Artifacts.Find(key, ct) is not { } first)
            {
                throw new ArgumentException(
                    $"Collection job {jobId} is unknown: the silos do not know it and the artifact store has no sealed shard of it ({connection.Artifacts.UriOf(key)}); collect it first with 'lethe collect' (which prints the job id), or pass a checkpoint folder.");
            }

            var metadata = ShardFile.Deserialize(await connection.Artifacts.ReadVerified(key, first.Sha256, ct), key).Metadata;
            var spec = metadata.TryGetValue("spec", out var json) ? JsonSerializer.Deserialize<CollectionSpec>(json) : null;
            if (spec is null || spec.Id != jobId)
            {
                throw new InvalidDataException($"{connection.Artifacts.UriOf(key)} carries no collection spec of job {jobId}; collect the job again with 'lethe collect'.");
            }

            await new CollectionJobSession(connection, spec).Plan();
        }

        await job.Start();
        while (!(progress = await job.GetProgress()).IsFinished)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        return progress;
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
