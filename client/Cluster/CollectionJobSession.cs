using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Collection;
using Lethe.ML.Collection;
using Lethe.ML.Storage;

namespace Lethe.Client.Cluster;

/// <summary>
/// A checkpoint dataset as the CLI handles it through the grains: submitted to the dataset catalog, followed to the
/// end, exported into a dataset folder, or imported from one.
/// </summary>
public sealed class CollectionJobSession(LetheConnection connection, JobPlan plan)
{
    private readonly ICollectionJobGrain _job = connection.Client.GetGrain<ICollectionJobGrain>(plan.JobId);

    public JobPlan Plan => plan;

    public string JobId => plan.JobId;

    /// <summary>Submits the request to the catalog (the silos validate it and plan its job; a job planned before keeps its progress).</summary>
    public static async Task<CollectionJobSession> Submit(LetheConnection connection, CollectionRequest request) =>
        new(connection, await connection.Client.GetGrain<IDatasetCatalogGrain>(IDatasetCatalogGrain.Key).Submit(request));

    /// <summary>Starts (or continues) the job; a finished job stays finished.</summary>
    public Task<JobProgress> Start() => _job.Start();

    public Task<JobProgress> Progress() => _job.GetProgress();

    /// <summary>Stops the job from starting new shards; sealed shards stay, and starting it again continues it.</summary>
    public Task<JobProgress> Cancel() => _job.Cancel();

    /// <summary>Shards of this job that <paramref name="folder"/> lacks or that fail their checksum there.</summary>
    public IReadOnlyList<int> PendingIn(ShardFolder folder)
    {
        RequireSameJob(folder);
        return Enumerable.Range(0, plan.Shards).Where(i => !HoldsVerified(folder, CollectionSpec.ShardName(i))).ToList();
    }

    /// <summary>Polls until the job finishes; throws when it failed or was cancelled.</summary>
    public async Task<JobProgress> WaitForCompletion(Action<JobProgress> report, TimeSpan pollInterval, CancellationToken ct)
    {
        while (true)
        {
            var progress = await _job.GetProgress();
            report(progress);
            switch (progress.Status)
            {
                case JobStatus.Completed:
                    return progress;
                case JobStatus.Failed:
                    throw new InvalidOperationException($"Collection job {JobId} failed: {progress.Error}");
                case JobStatus.Cancelled:
                    throw new InvalidOperationException($"Collection job {JobId} was cancelled; run the same command again to continue it.");
            }

            await Task.Delay(pollInterval, ct);
        }
    }

    /// <summary>
    /// Copies the job's sealed shards into <paramref name="folder"/> (read through the grains and verified; checksums
    /// recorded in its manifest); shards the folder already holds with the same checksum are skipped. Returns the shards copied.
    /// </summary>
    public async Task<int> Export(ShardFolder folder, CancellationToken ct)
    {
        RequireSameJob(folder);
        var reader = connection.Client.GetGrain<IArtifactReaderGrain>(0);
        var copied = 0;
        foreach (var shard in await _job.GetShards())
        {
            ct.ThrowIfCancellationRequested();
            if (folder.Find(shard.Name) is { } present && present.Sha256 == shard.Sha256 && HoldsVerified(folder, shard.Name))
            {
                continue;
            }

            var bytes = await reader.Read(ArtifactKeys.Shard(JobId, shard.Index), shard.Sha256);
            var metadata = ShardFile.Deserialize(bytes, shard.Uri).Metadata;
            var spec = CollectionSpec.FromJson(metadata["spec"]);
            folder.Add(shard.Name, bytes, shard.Count, shard.FirstRun, shard.LastRun, ShardedCollection.Metadata(spec, metadata.GetValueOrDefault("dataset", spec.Data)));
            copied++;
        }

        return copied;
    }

    /// <summary>
    /// Makes sure job <paramref name="jobId"/> is completed, as a training's or a request's dataset must be: a planned
    /// or interrupted job is started and awaited.
    /// </summary>
    /// <exception cref="ArgumentException">The platform knows no such job.</exception>
    public static async Task<JobProgress> Attach(LetheConnection connection, string jobId, CancellationToken ct)
    {
        var job = connection.Client.GetGrain<ICollectionJobGrain>(jobId);
        var progress = await job.GetProgress();
        if (progress.Status == JobStatus.Completed)
        {
            return progress;
        }

        if (progress.Status == JobStatus.Planned && progress.ShardsPlanned == 0)
        {
            throw new ArgumentException($"Collection job {jobId} is unknown to {connection.Where}; collect it first with 'lethe collect' (which prints the job id), or pass a checkpoint folder.");
        }

        await job.Start();
        while (!(progress = await job.GetProgress()).IsFinished)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }

        return progress.Status == JobStatus.Completed
            ? progress
            : throw new InvalidOperationException($"Collection job {jobId} is {progress.Status}{(progress.Error is null ? "" : $": {progress.Error}")}; a dataset must come from a completed job.");
    }

    /// <summary>
    /// Brings a dataset folder written by <c>lethe collect</c> into the platform: its shards are stored through the
    /// catalog, its job is planned from the spec they carry and completed by adopting them. A folder whose job the
    /// platform already holds completed is not uploaded again. Returns the job id.
    /// </summary>
    public static async Task<string> Import(LetheConnection connection, string path, CancellationToken ct)
    {
        var folder = ShardFolder.Open(path, create: false);
        if (folder.Manifest.Metadata.GetValueOrDefault("job") is { } known
            && (await connection.Client.GetGrain<ICollectionJobGrain>(known).GetProgress()).Status == JobStatus.Completed)
        {
            return known;
        }

        if (folder.Manifest.Shards.Count == 0)
        {
            throw new ArgumentException($"{path} holds no checkpoint shard; pass a folder written by 'lethe collect'.");
        }

        var catalog = connection.Client.GetGrain<IDatasetCatalogGrain>(IDatasetCatalogGrain.Key);
        var origin = Path.GetFullPath(path);
        string? jobId = null;
        foreach (var entry in folder.Manifest.Shards)
        {
            ct.ThrowIfCancellationRequested();
            var shardJob = await catalog.ImportShard(folder.ReadVerified(entry), origin);
            if (jobId is not null && shardJob != jobId)
            {
                throw new InvalidDataException($"{path} mixes shards of jobs {jobId} and {shardJob}; a dataset folder holds one job.");
            }

            jobId = shardJob;
        }

        await catalog.CompleteImport(jobId!, origin);
        await Attach(connection, jobId!, ct);
        return jobId!;
    }

    private void RequireSameJob(ShardFolder folder)
    {
        if (folder.Manifest.Metadata.TryGetValue("job", out var existing) && existing != JobId && folder.Manifest.Shards.Count > 0)
        {
            throw new InvalidOperationException(
                $"{folder.Path} already holds collection job {existing}; this request is job {JobId}. Use another --out folder, or the same options as before to continue that job.");
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
