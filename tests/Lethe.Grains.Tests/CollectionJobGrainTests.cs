using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Collection;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Collection;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Storage;

namespace Lethe.Grains.Tests;

[Collection(CollectionClusterGroup.Name)]
public sealed class CollectionJobGrainTests(CollectionClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    /// <summary>A tiny job: 6 runs, 1 epoch, 4 runs per shard (so two shards, the second short). Each test its own seed.</summary>
    private static CollectionSpec Tiny(int seed, int runs = 6) => new() { Runs = runs, Epochs = 1, RunsPerShard = 4, Seed = seed };

    [Fact]
    public async Task Plan_rejects_an_unknown_preset_naming_the_accepted_ones()
    {
        var spec = Tiny(101).ToJobSpec() with { Preset = "mnist5" };
        var job = fixture.Client.GetGrain<ICollectionJobGrain>("any");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => job.Plan(spec));

        Assert.Contains("mnist5", error.Message);
        Assert.Contains("mnist4", error.Message);
    }

    [Fact]
    public async Task Plan_rejects_a_spec_addressed_to_another_job_id()
    {
        var job = fixture.Client.GetGrain<ICollectionJobGrain>("0000000000000000");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => job.Plan(Tiny(102).ToJobSpec()));

        Assert.Contains(Tiny(102).Id, error.Message);
    }

    [Fact]
    public async Task Start_before_plan_is_rejected()
    {
        var job = fixture.Client.GetGrain<ICollectionJobGrain>(Tiny(103).Id);

        await Assert.ThrowsAsync<InvalidOperationException>(() => job.Start());
    }

    [Fact]
    public async Task A_job_seals_every_planned_run_exactly_once_with_verified_shards()
    {
        var spec = Tiny(104);

        var progress = await RunToCompletion(spec);

        Assert.Equal(JobStatus.Completed, progress.Status);
        Assert.Equal(2, progress.ShardsSealed);
        await AssertEveryRunExactlyOnce(spec);
    }

    [Fact]
    public async Task Resubmitting_a_finished_job_trains_nothing()
    {
        var spec = Tiny(105);
        await RunToCompletion(spec);
        var shards = await Job(spec).GetShards();
        var trained = fixture.RunsTrained;

        var again = await RunToCompletion(spec);

        Assert.Equal(JobStatus.Completed, again.Status);
        Assert.Equal(trained, fixture.RunsTrained);
        Assert.Equal(shards.Select(s => s.Sha256), (await Job(spec).GetShards()).Select(s => s.Sha256));
    }

    [Fact]
    public async Task A_job_resumes_and_loses_nothing_after_all_its_activations_are_collected()
    {
        var spec = Tiny(106, runs: 12) with { Epochs = 2 };
        var job = Job(spec);
        await job.Plan(spec.ToJobSpec());
        await job.Start();

        // Deactivates the job, its shards and runs (their in-memory checkpoints too) in the middle of the work.
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.False((await job.GetProgress()).IsFinished);

        var progress = await WaitForCompletion(job);
        Assert.Equal(JobStatus.Completed, progress.Status);
        await AssertEveryRunExactlyOnce(spec);
    }

    [Fact]
    public async Task A_shard_whose_activations_were_collected_is_sealed_by_its_reminder_without_being_called()
    {
        var spec = Tiny(108, runs: 4) with { Epochs = 8 };
        var key = ArtifactKeys.Shard(spec.Id, 0);
        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        await fixture.Client.GetGrain<ICheckpointShardGrain>(CollectionJobIds.Shard(spec.Id, 0)).Start(spec.ToJobSpec());

        // Stops the shard's loop and its runs in the middle of the work. No job polls this shard and the test calls
        // nothing, so only its resume reminder can bring it back.
        await CollectUntilNoActivationOf<CheckpointShardGrain>();
        Assert.Null(await store.Find(key, CancellationToken.None));

        var deadline = DateTime.UtcNow + Deadline;
        while (await store.Find(key, CancellationToken.None) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"shard {key} was not committed within {Deadline}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The same checkpoints as the in-process collector: same shards, same (run, step) rows. Values agree to float
    /// rounding only, since the two silos each train their share of runs in a narrower vectorized pass.
    /// </summary>
    [Fact]
    public async Task Shards_through_grains_hold_the_checkpoints_of_the_in_process_collection()
    {
        var spec = Tiny(107);
        await RunToCompletion(spec);
        var folder = ShardFolder.Open(Path.Combine(fixture.ArtifactsPath, "in-process-107"), create: true);

        new ShardedCollection(spec, folder, DigitsSource.Load(spec.Data)).Run();

        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        var shards = await Job(spec).GetShards();
        Assert.Equal(folder.Manifest.Shards.Select(s => s.Name), shards.Select(s => s.Name));
        foreach (var shard in shards)
        {
            var viaGrains = ShardFile.Deserialize(await store.ReadVerified(ArtifactKeys.Shard(spec.Id, shard.Index), shard.Sha256, default));
            var inProcess = ShardFile.Deserialize(folder.ReadVerified(folder.Find(shard.Name)!));
            Assert.Equal(inProcess.Batch.Run.Zip(inProcess.Batch.Step), viaGrains.Batch.Run.Zip(viaGrains.Batch.Step));
            Assert.All(inProcess.Batch.Params.Zip(viaGrains.Batch.Params), p => Assert.Equal(p.First, p.Second, 1e-4f));
            Assert.Equal(inProcess.Metadata, viaGrains.Metadata);
        }
    }

    /// <summary>
    /// Forces activation collection until no activation of <typeparamref name="TGrain"/> is left: an activation busy
    /// with a call or a timer tick at that moment is skipped, so one collection is not always enough.
    /// </summary>
    private async Task CollectUntilNoActivationOf<TGrain>()
    {
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            var statistics = await management.GetSimpleGrainStatistics();
            if (statistics.Where(s => s.GrainType.StartsWith(typeof(TGrain).FullName!, StringComparison.Ordinal)).Sum(s => s.ActivationCount) == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{typeof(TGrain).Name} activations were still alive after {Deadline}");
            await Task.Delay(20);
        }
    }

    private ICollectionJobGrain Job(CollectionSpec spec) => fixture.Client.GetGrain<ICollectionJobGrain>(spec.Id);

    private async Task<JobProgress> RunToCompletion(CollectionSpec spec)
    {
        var job = Job(spec);
        await job.Plan(spec.ToJobSpec());
        await job.Start();
        return await WaitForCompletion(job);
    }

    private static Task<JobProgress> WaitForCompletion(ICollectionJobGrain job) =>
        Poll.Until(() => job.GetProgress(), p => p.IsFinished, Deadline, TimeSpan.FromMilliseconds(100),
            p => $"job {p.JobId} still {p.Status} after {Deadline}: {p}");

    /// <summary>Each planned run appears in exactly one shard, each (run, step) once, and every shard verifies.</summary>
    private async Task AssertEveryRunExactlyOnce(CollectionSpec spec)
    {
        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        var shards = await Job(spec).GetShards();
        Assert.Equal(Enumerable.Range(0, spec.ShardCount), shards.Select(s => s.Index));
        var shardOfRun = new Dictionary<int, int>();
        foreach (var shard in shards)
        {
            var bytes = await store.ReadVerified(ArtifactKeys.Shard(spec.Id, shard.Index), shard.Sha256, CancellationToken.None);
            var batch = ShardFile.Deserialize(bytes).Batch;
            Assert.Equal(shard.Count, batch.Count);
            Assert.Equal(batch.Count, batch.Run.Zip(batch.Step).Distinct().Count());
            foreach (var run in batch.Run.Distinct())
            {
                Assert.True(shardOfRun.TryAdd(run, shard.Index), $"run {run} is in shards {shardOfRun.GetValueOrDefault(run)} and {shard.Index}");
                Assert.InRange(run, shard.FirstRun, shard.LastRun);
            }
        }

        Assert.Equal(Enumerable.Range(0, spec.Runs), shardOfRun.Keys.Order());
    }
}
