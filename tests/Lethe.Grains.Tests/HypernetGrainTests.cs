using Lethe.Contracts.Collection;
using Lethe.Contracts.Hypernet;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Collection;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;

namespace Lethe.Grains.Tests;

/// <summary>Hypernetwork trainer, registry and sampler on the tiny preset over a tiny collected dataset.</summary>
[Collection(CollectionClusterGroup.Name)]
public sealed class HypernetGrainTests(CollectionClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Start_rejects_an_unknown_variant_naming_the_accepted_ones()
    {
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("bad-variant");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => trainer.Start(new HypernetTrainingRequest("dihyfo3", "tiny", ["any"])));

        Assert.Contains("dihyfo3", error.Message);
        Assert.Contains("dihyfo2", error.Message);
    }

    [Fact]
    public async Task Start_rejects_a_dataset_job_that_was_never_collected()
    {
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("no-data");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => trainer.Start(new HypernetTrainingRequest("dihyfo2", "tiny", ["0123456789abcdef"])));

        Assert.Contains("0123456789abcdef", error.Message);
        Assert.Equal(HypernetTrainingState.None, (await trainer.GetStatus()).State);
    }

    [Fact]
    public async Task A_training_publishes_a_version_the_sampler_turns_into_vectors_of_the_task_layout()
    {
        var jobId = await Collect();
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("publish");

        var started = await trainer.Start(new HypernetTrainingRequest("dihyfo2", "tiny", [jobId], Steps: 40));
        var done = await WaitFor(trainer, s => s.IsFinished);

        Assert.Equal(HypernetTrainingState.Training, started.State);
        Assert.Equal(HypernetTrainingState.Completed, done.State);
        Assert.Equal(40, done.Step);
        Assert.Equal("v000040", done.LatestVersion);
        var registry = fixture.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
        var published = Assert.Single(await registry.List("publish"));
        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        Assert.Equal(published.Bytes, (await store.ReadVerified(published.ArtifactKey, published.Sha256, default)).Length);

        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        var sampler = fixture.Client.GetGrain<ISamplerGrain>(ISamplerGrain.KeyOf("publish", published.Version, 0));
        var vectors = (await sampler.Sample(new SampleRequest("publish", null, [new([0.1f, 0.1f, 2.5f, 0.2f]), new([0.1f, 0.1f, 0.2f, 2.5f])], Count: 3, Seed: 5, Steps: 5))).Rows;

        Assert.Equal(6, vectors.Length);
        Assert.All(vectors, v => Assert.Equal(layout.Count, v.Length));
        Assert.All(vectors, v => Assert.All(v, x => Assert.True(float.IsFinite(x))));
    }

    [Fact]
    public async Task An_invwnn_training_runs_on_the_trainer_grain_over_a_trajectory_collection()
    {
        var spec = new CollectionSpec { Runs = 6, Epochs = 18, RunsPerShard = 3, Seed = 302, Trajectories = true };
        var job = fixture.Client.GetGrain<ICollectionJobGrain>(spec.Id);
        await job.Plan(spec.ToJobSpec());
        await job.Start();
        Assert.Equal(JobStatus.Completed, (await Poll.Until(() => job.GetProgress(), p => p.IsFinished, Deadline, TimeSpan.FromMilliseconds(100), p => $"trajectories not collected: {p}")).Status);
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("invwnn-grain");

        await trainer.Start(new HypernetTrainingRequest("invwnn", "cpu", [spec.Id], Steps: 8, BatchSize: 256));
        var done = await WaitFor(trainer, s => s.IsFinished);

        Assert.True(done.State == HypernetTrainingState.Completed, $"{done.State}: {done.Error}");
        Assert.Equal(8, done.Step);
        Assert.True(double.IsFinite(done.HeldOutLoss), $"held-out loss {done.HeldOutLoss}");
        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        Assert.NotNull(await store.Find(done.CheckpointKey!, default));
        Assert.Empty(await fixture.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key).List("invwnn-grain"));
    }

    [Fact]
    public async Task A_deactivated_training_resumes_from_its_durable_checkpoint()
    {
        var jobId = await Collect();
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("resume");
        await trainer.Start(new HypernetTrainingRequest("dihyfo2", "tiny", [jobId], Steps: 80));
        var checkpointed = await WaitFor(trainer, s => s.Step >= 20);
        Assert.False(checkpointed.IsFinished, "the training finished before it could be deactivated");

        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var done = await WaitFor(trainer, s => s.IsFinished);

        Assert.Equal(HypernetTrainingState.Completed, done.State);
        Assert.Equal(80, done.Step);
        Assert.True(done.ResumedFromStep >= checkpointed.Step, $"resumed from step {done.ResumedFromStep}, but step {checkpointed.Step} was checkpointed before the deactivation");
    }

    [Fact]
    public async Task A_cancelled_training_stops_and_a_new_start_continues_it()
    {
        var jobId = await Collect();
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("cancel");
        var request = new HypernetTrainingRequest("dihyfo2", "tiny", [jobId], Steps: 60);
        await trainer.Start(request);
        await WaitFor(trainer, s => s.Step >= 20);

        var cancelled = await trainer.Cancel();
        var restarted = await trainer.Start(request);
        var done = await WaitFor(trainer, s => s.IsFinished);

        Assert.Equal(HypernetTrainingState.Cancelled, cancelled.State);
        Assert.Equal(HypernetTrainingState.Training, restarted.State);
        Assert.Equal(HypernetTrainingState.Completed, done.State);
        Assert.Equal(60, done.Step);
    }

    [Fact]
    public async Task A_dihyfo1_warm_started_from_a_published_dihyfo2_trains_and_its_versions_record_the_source()
    {
        var jobId = await Collect();
        var source = fixture.Client.GetGrain<IHypernetTrainerGrain>("warm-source");
        await source.Start(new HypernetTrainingRequest("dihyfo2", "tiny", [jobId], Steps: 20));
        Assert.Equal(HypernetTrainingState.Completed, (await WaitFor(source, s => s.IsFinished)).State);
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("warm-started");

        await trainer.Start(new HypernetTrainingRequest("dihyfo1", "tiny", [jobId], Steps: 20, WarmStart: "warm-source@v000020"));
        var done = await WaitFor(trainer, s => s.IsFinished);

        Assert.Equal(HypernetTrainingState.Completed, done.State);
        var published = Assert.Single(await fixture.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key).List("warm-started"));
        var bytes = await new LocalFolderArtifactStore(fixture.ArtifactsPath).ReadVerified(published.ArtifactKey, published.Sha256, default);
        using var model = HypernetModel.Load(bytes, published.ArtifactKey);
        Assert.Equal("warm-source@v000020", model.Metadata["warm_start"]);

        // The same name without the warm start is another training: refused, saying what differs.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => trainer.Start(new HypernetTrainingRequest("dihyfo1", "tiny", [jobId], Steps: 20)));
        Assert.Contains("warm-started from warm-source@v000020", refused.Message);
    }

    [Fact]
    public async Task A_warm_start_that_is_not_published_fails_the_training_naming_it()
    {
        var jobId = await Collect();
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("warm-missing");

        await trainer.Start(new HypernetTrainingRequest("dihyfo1", "tiny", [jobId], Steps: 20, WarmStart: "nowhere@v000001"));
        var failed = await Poll.Until(() => trainer.GetStatus(), s => s.IsFinished, Deadline, TimeSpan.FromMilliseconds(100), s => $"not finished within {Deadline}; last status {s}");

        Assert.Equal(HypernetTrainingState.Failed, failed.State);
        Assert.Contains("nowhere@v000001", failed.Error);
        Assert.Equal(0, failed.Step);
    }

    [Fact]
    public async Task A_training_that_cannot_write_its_checkpoint_says_why_and_finishes_once_it_can()
    {
        var jobId = await Collect();
        // A file where the checkpoint folder goes: every checkpoint write fails, as on a full disk.
        var blocked = Path.Combine(fixture.ArtifactsPath, "hypernets", "interrupted", "checkpoints");
        Directory.CreateDirectory(Path.GetDirectoryName(blocked)!);
        await File.WriteAllTextAsync(blocked, "not a folder");
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("interrupted");

        await trainer.Start(new HypernetTrainingRequest("dihyfo2", "tiny", [jobId], Steps: 20));
        var stuck = await Poll.Until(() => trainer.GetStatus(), s => s.Interruption is not null || s.IsFinished, Deadline, TimeSpan.FromMilliseconds(100), s => $"no interruption within {Deadline}; last status {s}");
        File.Delete(blocked);
        await trainer.Resume();
        var done = await WaitFor(trainer, s => s.IsFinished);

        Assert.Equal(HypernetTrainingState.Training, stuck.State);
        Assert.Contains("checkpoints", stuck.Interruption);
        Assert.Equal(HypernetTrainingState.Completed, done.State);
        Assert.Null(done.Interruption);
    }

    private Task<string> Collect() => TinyDataset.Collect(fixture.Client, Deadline);

    internal static async Task<HypernetTrainerStatus> WaitFor(IHypernetTrainerGrain trainer, Func<HypernetTrainerStatus, bool> condition)
    {
        var status = await Poll.Until(() => trainer.GetStatus(), s => condition(s) || s.IsFinished, Deadline, TimeSpan.FromMilliseconds(100),
            s => $"condition not reached within {Deadline}; last status {s}");
        Assert.Null(status.Error);
        return status;
    }
}
