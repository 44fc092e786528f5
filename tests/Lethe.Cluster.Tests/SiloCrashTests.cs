using Lethe.Contracts.Artifacts;
using System.Diagnostics;
using Azure.Storage.Blobs;
using Lethe.Contracts.Collection;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Collection;
using Lethe.ML.Collection;
using Lethe.ML.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Messaging;
using Xunit.Abstractions;

namespace Lethe.Cluster.Tests;

/// <summary>
/// Three silo processes on Redis (clustering, grain state, reminders) and Azurite (shards); one is killed with
/// SIGKILL in the middle of a collection job. The job must finish with every planned run's checkpoints present
/// exactly once in shards that verify, and the killed silo must rejoin when restarted.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SiloCrashTests(ITestOutputHelper output)
{
    private const int MaxConcurrentShards = 3;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task A_silo_killed_mid_job_loses_no_run_and_duplicates_none()
    {
        await using var redis = await RedisServer.Start();
        await using var azurite = await AzuriteServer.Start();
        var clusterId = $"test-{Guid.NewGuid():N}"[..16];
        var container = $"lethe-{clusterId}";
        var environment = RedisCluster.Environment(redis, azurite, clusterId, container, new Dictionary<string, string>
        {
            ["Lethe__Collection__MaxConcurrentShards"] = MaxConcurrentShards.ToString(),
        });
        await using var group = new SiloGroup(Enumerable.Range(0, 3).Select(i => new SiloProcess($"silo-{i}", environment)).ToList(), output);
        var silos = group.Silos;
        try
        {
            await group.StartAll(TimeSpan.FromSeconds(60));
            using var client = await RedisCluster.ConnectClient(redis.ConnectionString, clusterId, TimeSpan.FromSeconds(2));
            var grains = client.Services.GetRequiredService<IClusterClient>();
            await RedisCluster.WaitForActiveSilos(grains, 3);

            // 48 runs in 12 shards of 4, at most 3 shards at a time: several waves, so a kill lands mid-job.
            var spec = new CollectionSpec { Runs = 48, Epochs = 3, RunsPerShard = 4, Seed = 7 };
            var job = grains.GetGrain<ICollectionJobGrain>(spec.Id);
            // Plan and Start are idempotent; on a loaded machine the first activation (a Redis read on a silo that just
            // started) can outlast the client's 2 s response timeout, so they are retried like the polls below.
            await WaitUntil(async () => (await job.Plan(spec.ToJobSpec())) is not null);
            await WaitUntil(async () => (await job.Start()) is not null);

            var atKill = await PollUntil(job, p => p.ShardsSealed >= 2);
            Assert.False(atKill.IsFinished, "the job finished before a silo could be killed; the test spec is too small");
            // The job takes shards in index order, so the lowest unsealed indices are the ones in flight: their runs
            // were spread over all silos, the victim's included, and sealing them all means the lost work was redone.
            var inFlight = Enumerable.Range(0, spec.ShardCount).Except((await job.GetShards()).Select(s => s.Index)).Take(MaxConcurrentShards).ToList();
            var victim = await SiloHostingTheMostWork(grains, silos);
            victim.Kill();
            var killed = Stopwatch.StartNew();
            output.WriteLine($"killed {victim.Name} (SIGKILL) with {atKill.ShardsSealed}/{atKill.ShardsPlanned} shards sealed; in flight: {string.Join(", ", inFlight)}");

            await PollUntil(job, p => p.ShardsSealed > atKill.ShardsSealed);
            var nextSealed = killed.Elapsed;
            await WaitUntil(async () => inFlight.All((await job.GetShards()).Select(s => s.Index).Contains));
            var recovery = killed.Elapsed;
            var done = await PollUntil(job, p => p.IsFinished);
            output.WriteLine($"time to recover (kill -> every shard in flight at the kill sealed): {recovery.TotalSeconds:F1} s; kill -> next shard sealed: {nextSealed.TotalSeconds:F1} s; kill -> job finished: {killed.Elapsed.TotalSeconds:F1} s");

            Assert.Equal(JobStatus.Completed, done.Status);
            await AssertEveryRunExactlyOnce(spec, await job.GetShards(), new BlobContainerClient(azurite.ConnectionString, container));

            victim.Start();
            await victim.WaitUntilReady(TimeSpan.FromSeconds(60));
            await RedisCluster.WaitForActiveSilos(grains, 3);
            output.WriteLine($"{victim.Name} restarted and rejoined: 3 active silos");
        }
        catch
        {
            group.WriteTails();
            throw;
        }
    }

    /// <summary>Polls the job (riding out timeouts and rejections while a dead silo is evicted) until the condition holds.</summary>
    private static Task<JobProgress> PollUntil(ICollectionJobGrain job, Func<JobProgress, bool> condition) =>
        Poll.Until(
            () => DuringEviction(async () => await job.GetProgress() is var progress && (condition(progress) || progress.IsFinished) ? progress : null),
            Deadline, Interval, () => "the job never reached the condition");

    private static Task WaitUntil(Func<Task<bool>> condition) =>
        Poll.Until(
            async () => await DuringEviction(async () => await condition() ? "reached" : null) is not null,
            Deadline, Interval, () => "the condition never held");

    /// <summary>A call that times out or is rejected while a dead silo is evicted is no answer yet, not a failure.</summary>
    private static async Task<T?> DuringEviction<T>(Func<Task<T?>> call) where T : class
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException)
        {
            return null;
        }
    }

    /// <summary>The silo with the most training-run activations (the work a kill destroys), by its silo port.</summary>
    private static async Task<SiloProcess> SiloHostingTheMostWork(IClusterClient grains, IReadOnlyList<SiloProcess> silos)
    {
        var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        var busiest = statistics
            .Where(s => s.GrainType.Contains(nameof(TrainingRunGrain), StringComparison.Ordinal))
            .GroupBy(s => s.SiloAddress.Endpoint.Port)
            .OrderByDescending(g => g.Sum(s => s.ActivationCount))
            .Select(g => g.Key)
            .FirstOrDefault();
        return silos.FirstOrDefault(s => s.SiloPort == busiest) ?? silos[0];
    }

    /// <summary>Every planned run in exactly one shard, no (run, step) twice, every shard verified, nothing else in the container.</summary>
    private static async Task AssertEveryRunExactlyOnce(CollectionSpec spec, IReadOnlyList<CheckpointShardManifest> shards, BlobContainerClient container)
    {
        var store = new AzureBlobArtifactStore(container);
        Assert.Equal(Enumerable.Range(0, spec.ShardCount), shards.Select(s => s.Index));
        var shardOfRun = new Dictionary<int, int>();
        foreach (var shard in shards)
        {
            var batch = ShardFile.Deserialize(await store.ReadVerified(ArtifactKeys.Shard(spec.Id, shard.Index), shard.Sha256, default)).Batch;
            Assert.Equal(batch.Count, batch.Run.Zip(batch.Step).Distinct().Count());
            foreach (var run in batch.Run.Distinct())
            {
                Assert.True(shardOfRun.TryAdd(run, shard.Index), $"run {run} is in shards {shardOfRun.GetValueOrDefault(run)} and {shard.Index}");
                Assert.InRange(run, shard.FirstRun, shard.LastRun);
            }
        }

        Assert.Equal(Enumerable.Range(0, spec.Runs), shardOfRun.Keys.Order());
        var visible = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"jobs/{spec.Id}/", default))
        {
            visible.Add(blob.Name);
        }

        // Exactly the sealed shards (no duplicate, no orphan), beside the dataset's statistics written once it was sealed.
        Assert.Equal(shards.Select(s => ArtifactKeys.Shard(spec.Id, s.Index)).Order(), visible.Where(k => k != ArtifactKeys.Statistics([spec.Id])).Order());
    }
}
