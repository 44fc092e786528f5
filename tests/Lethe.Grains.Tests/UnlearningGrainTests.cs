using Lethe.Contracts.Hypernet;
using Lethe.Contracts.Unlearning;
using Lethe.Grains.Artifacts;
using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using Lethe.ML.Unlearning;
using Lethe.Contracts.Collection;

namespace Lethe.Grains.Tests;

[Collection(CollectionClusterGroup.Name)]
public sealed class UnlearningGrainTests(CollectionClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);

    public static TheoryData<string, int[], string, string?, string> InvalidRequests => new()
    {
        { "mnist4", [], "finetune", null, "The forget set is empty" },
        { "mnist4", [0, 2], "finetune", null, "contains pivot class 0" },
        { "mnist4", [2, 3, 4], "finetune", null, "class 4 is not in preset mnist4" },
        { "mnist4", [2], "amnesia", null, "Unknown unlearning method 'amnesia'" },
        { "mnist4", [2], "finetune", "mnist", "this preset needs 784-7-10" },
        { "garbage", [2], "finetune", null, "safetensors" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task An_invalid_request_fails_before_any_work_naming_what_is_wrong(string model, int[] forget, string method, string? preset, string message)
    {
        var id = $"invalid-{Guid.NewGuid():N}";
        var request = fixture.Client.GetGrain<IUnlearningRequestGrain>(id);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => request.Submit(new UnlearningRequestSpec(Model(model), forget, method, preset)));

        Assert.True(error is ArgumentException or InvalidDataException, $"{error.GetType().Name}: {error.Message}");
        Assert.Contains(message, error.Message);
        Assert.Equal(UnlearningStatus.None, (await request.GetOutcome()).Status);
        Assert.False(Directory.Exists(Path.Combine(fixture.ArtifactsPath, "unlearning", id)));
    }

    public static TheoryData<int[], double?, int[]?, string, string> InvalidSampleRequests => new()
    {
        { [], 1.5, null, "finetune", "strictly between 0 and 1" },
        { [], 0, null, "finetune", "strictly between 0 and 1" },
        { [], null, [4, 9, 4], "finetune", "repeat (4)" },
        { [], null, [3, -2], "finetune", "-2 is negative" },
        { [], null, [], "finetune", "forget samples are empty" },
        { [2], 0.1, null, "finetune", "one way" },
        { [2], null, [1, 2], "finetune", "one way" },
        { [], 0.1, null, "dihyfo2", "forgets classes, not individual samples" },
    };

    [Theory]
    [MemberData(nameof(InvalidSampleRequests))]
    public async Task An_invalid_random_sample_request_fails_before_any_work_naming_what_is_wrong(int[] forget, double? fraction, int[]? samples, string method, string message)
    {
        var request = fixture.Client.GetGrain<IUnlearningRequestGrain>($"invalid-{Guid.NewGuid():N}");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => request.Submit(new UnlearningRequestSpec(Model("mnist4"), forget, method, ForgetFraction: fraction, ForgetSamples: samples)));

        Assert.IsType<ArgumentException>(error, exactMatch: false);
        Assert.Contains(message, error.Message);
        Assert.Equal(UnlearningStatus.None, (await request.GetOutcome()).Status);
    }

    [Fact]
    public async Task A_random_sample_request_forgets_samples_of_D_and_registers_its_own_reference()
    {
        var request = fixture.Client.GetGrain<IUnlearningRequestGrain>($"samples-{Guid.NewGuid():N}");

        await request.Submit(new UnlearningRequestSpec(Model("mnist4"), [], "neggrad", Seed: 3, ForgetFraction: 0.1));
        var done = await WaitForOutcome(request);

        Assert.Equal(UnlearningStatus.Completed, done.Status);
        Assert.Empty(done.Forget);
        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        using var json = System.Text.Json.JsonDocument.Parse(System.Text.Encoding.UTF8.GetString(await store.ReadVerified(done.ReportKey!, done.ReportSha256!, default)));
        Assert.Equal("random 10%", json.RootElement.GetProperty("forget_set").GetString());
        var forgotten = json.RootElement.GetProperty("forget_samples").GetInt32();
        Assert.InRange(forgotten, 100, 1000);
        // The outcome's forget accuracy is on D_f itself (T keeps every sample).
        Assert.Equal(json.RootElement.GetProperty("unlearned").GetProperty("accuracy_forget_train").GetDouble(), done.ForgetAccuracy!.Value, 12);
        var references = await fixture.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key).ListReferences();
        Assert.Single(references, r => r.Name.StartsWith("retrain-mnist4-forgetrandom10-seed3-seed3-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_stores_the_unlearned_model_and_its_report_as_artifacts()
    {
        var request = fixture.Client.GetGrain<IUnlearningRequestGrain>($"finetune-{Guid.NewGuid():N}");

        var submitted = await request.Submit(new UnlearningRequestSpec(Model("mnist4"), [2], "finetune"));
        var done = await WaitForOutcome(request);

        Assert.Equal(UnlearningStatus.Running, submitted.Status);
        Assert.Equal(UnlearningStatus.Completed, done.Status);
        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        var unlearned = MlpFile.Deserialize(await store.ReadVerified(done.ModelKey!, done.ModelSha256!, default), "unlearned", TaskPreset.Mnist4.Architecture);
        Assert.Equal(ParameterLayout.For(TaskPreset.Mnist4.Architecture).Count, unlearned.Flat.Length);
        var report = System.Text.Encoding.UTF8.GetString(await store.ReadVerified(done.ReportKey!, done.ReportSha256!, default));
        using var json = System.Text.Json.JsonDocument.Parse(report);
        Assert.Equal("finetune", json.RootElement.GetProperty("method").GetString());
        Assert.NotNull(done.UnlearningScore);
        var references = await fixture.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key).ListReferences();
        var reference = Assert.Single(references, r => r.Name.StartsWith("retrain-mnist4-forget2-seed1-", StringComparison.Ordinal));
        MlpFile.Deserialize(await store.ReadVerified(reference.ArtifactKey, reference.Sha256, default), "reference", TaskPreset.Mnist4.Architecture);
    }

    [Fact]
    public async Task A_dihyfo_request_samples_the_published_hypernetwork_with_prompts_from_its_training_jobs()
    {
        var jobId = await TinyDataset.Collect(fixture.Client, Deadline);
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("unlearning-dihyfo2");
        await trainer.Start(new HypernetTrainingRequest("dihyfo2", "tiny", [jobId], Steps: 20));
        var trained = await HypernetGrainTests.WaitFor(trainer, s => s.IsFinished);
        Assert.Equal(HypernetTrainingState.Completed, trained.State);
        var request = fixture.Client.GetGrain<IUnlearningRequestGrain>($"dihyfo2-{Guid.NewGuid():N}");

        // The job's statistics were computed when it was sealed, and equal a recomputation from its shards.
        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        var statisticsGrain = fixture.Client.GetGrain<IDatasetStatisticsGrain>(jobId);
        var info = await Poll.Until(() => statisticsGrain.TryGet(), Deadline, TimeSpan.FromMilliseconds(200), () => $"the statistics of job {jobId} were not computed");
        Assert.Equal($"jobs/{jobId}/statistics.safetensors", info.Key);
        var statistics = DatasetStatistics.Deserialize(await store.ReadVerified(info.Key, info.Sha256, default), info.Key);
        var shardFiles = Directory.GetFiles(Path.Combine(fixture.ArtifactsPath, "jobs", jobId), "shard-*.safetensors").Order(StringComparer.Ordinal).ToArray();
        var whole = CheckpointBatch.Concat(shardFiles.Select(f => ShardFile.Deserialize(File.ReadAllBytes(f), f).Batch).ToList());
        Assert.Equal(whole.Count, statistics.Checkpoints);
        var recomputed = TargetLossPrompt.FromCheckpoints(whole, TaskPreset.Mnist4);
        Assert.Equal(recomputed.RetainTarget, TargetLossPrompt.FromStatistics(statistics).RetainTarget);
        Assert.Equal(recomputed.ForgetTarget, TargetLossPrompt.FromStatistics(statistics).ForgetTarget);
        Assert.Equal(new NeverLearnedReference(whole, TaskPreset.Mnist4).For([2]).Rows, statistics.For([2]).Rows);

        // A request reads the statistics, not one shard: with every shard moved out of the store it still completes.
        foreach (var file in shardFiles)
        {
            File.Move(file, file + ".hidden");
        }

        UnlearningOutcome done;
        try
        {
            await request.Submit(new UnlearningRequestSpec(Model("mnist4"), [2], "dihyfo2", Hypernet: "unlearning-dihyfo2", Candidates: 3));
            done = await WaitForOutcome(request);
        }
        finally
        {
            foreach (var file in shardFiles)
            {
                File.Move(file + ".hidden", file);
            }
        }

        Assert.Equal(UnlearningStatus.Completed, done.Status);
        Assert.Equal("dihyfo2", done.Method);
        var report = System.Text.Encoding.UTF8.GetString(await store.ReadVerified(done.ReportKey!, done.ReportSha256!, default));
        using var json = System.Text.Json.JsonDocument.Parse(report);
        var hyperParameters = json.RootElement.GetProperty("hyper_parameters");
        Assert.Equal(3, hyperParameters.GetProperty("candidates").GetInt32());
        Assert.Contains(trained.LatestVersion!, hyperParameters.GetProperty("hypernet").GetString());
        Assert.Contains(jobId, hyperParameters.GetProperty("prompt_checkpoints").GetString());
    }

    [Fact]
    public async Task Statistics_of_a_dataset_sealed_before_they_existed_are_computed_by_the_first_dihyfo_request()
    {
        var jobId = await TinyDataset.Collect(fixture.Client, Deadline);
        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("lazy-statistics-dihyfo2");
        await trainer.Start(new HypernetTrainingRequest("dihyfo2", "tiny", [jobId], Steps: 20));
        Assert.Equal(HypernetTrainingState.Completed, (await HypernetGrainTests.WaitFor(trainer, s => s.IsFinished)).State);
        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        var statisticsGrain = fixture.Client.GetGrain<IDatasetStatisticsGrain>(jobId);
        var sealedWith = await Poll.Until(() => statisticsGrain.TryGet(), Deadline, TimeSpan.FromMilliseconds(200), () => $"the statistics of job {jobId} were not computed");

        // As a dataset sealed before statistics existed: no record, no artifact.
        await statisticsGrain.Forget();
        await store.Delete(sealedWith.Key, default);
        Assert.Null(await statisticsGrain.Find());
        Assert.Null(await store.Find(sealedWith.Key, default));

        var request = fixture.Client.GetGrain<IUnlearningRequestGrain>($"dihyfo2-lazy-{Guid.NewGuid():N}");
        await request.Submit(new UnlearningRequestSpec(Model("mnist4"), [2], "dihyfo2", Hypernet: "lazy-statistics-dihyfo2", Candidates: 2));
        var done = await WaitForOutcome(request);

        Assert.Equal(UnlearningStatus.Completed, done.Status);
        var computed = await statisticsGrain.Find();
        Assert.NotNull(computed);
        Assert.Equal(sealedWith.Key, computed.Key);
        Assert.Equal(sealedWith.Sha256, computed.Sha256);
        Assert.NotNull(await store.Find(computed.Key, default));
    }

    [Theory]
    [InlineData("dihyfo2", null, "samples a published dihyfo2 hypernetwork")]
    [InlineData("dihyfo2", "never-trained", "No published hypernetwork 'never-trained'")]
    public async Task A_dihyfo_request_without_a_published_hypernetwork_fails_before_any_work(string method, string? hypernet, string message)
    {
        var request = fixture.Client.GetGrain<IUnlearningRequestGrain>($"dihyfo-invalid-{Guid.NewGuid():N}");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => request.Submit(new UnlearningRequestSpec(Model("mnist4"), [2], method, Hypernet: hypernet)));

        Assert.Contains(message, error.Message);
        Assert.Equal(UnlearningStatus.None, (await request.GetOutcome()).Status);
    }

    [Fact]
    public async Task A_request_whose_activation_went_away_is_finished_by_its_reminder_without_being_called()
    {
        var id = $"resume-{Guid.NewGuid():N}";
        var store = new LocalFolderArtifactStore(fixture.ArtifactsPath);
        var unlearned = $"unlearning/{id}/unlearned.safetensors";
        // A seed no other test uses: the retrained reference is trained first, so the work is still running below.
        await fixture.Client.GetGrain<IUnlearningRequestGrain>(id).Submit(new UnlearningRequestSpec(Model("mnist4"), [3], "retrain", Seed: 4242));

        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Null(await store.Find(unlearned, default));

        // Only the reminder can bring the request back now: nothing calls the grain until its result is stored.
        await Poll.Until(async () => await store.Find(unlearned, default) is not null, Deadline, TimeSpan.FromMilliseconds(200),
            () => $"the request was not finished within {Deadline}");

        // The model is stored before the grain records its outcome, so the status may lag the file for a moment.
        var grain = fixture.Client.GetGrain<IUnlearningRequestGrain>(id);
        var outcome = await Poll.Until(() => grain.GetOutcome(), o => o.Status != UnlearningStatus.Running, Deadline, TimeSpan.FromMilliseconds(100),
            o => $"the request was not marked finished within {Deadline}: {o}");

        Assert.Equal(UnlearningStatus.Completed, outcome.Status);
    }

    [Fact]
    public async Task A_tenant_admits_its_key_within_quota_and_refuses_a_wrong_key_or_a_full_quota()
    {
        var tenant = fixture.Client.GetGrain<ITenantGrain>($"tenant-{Guid.NewGuid():N}");
        var key = await tenant.IssueKey();
        var secret = key[(key.IndexOf('.') + 1)..];
        await tenant.SetQuota(new TenantQuota(MaxConcurrent: 1, MaxPerDay: 2));

        var first = await tenant.Admit(secret, "a");
        var wrongKey = await tenant.Admit(secret + "x", "b");
        var busy = await tenant.Admit(secret, "b");
        await tenant.Release("a");
        var second = await tenant.Admit(secret, "b");
        await tenant.Release("b");
        var overDaily = await tenant.Admit(secret, "c");

        Assert.True(first.Admitted);
        Assert.Equal("invalid_key", wrongKey.Reason);
        Assert.Equal("concurrent_quota", busy.Reason);
        Assert.True(second.Admitted);
        Assert.Equal("daily_quota", overDaily.Reason);
    }

    /// <summary>A model of the preset's shape with small deterministic weights, or bytes that are no safetensors file.</summary>
    private static byte[] Model(string kind)
    {
        if (kind == "garbage")
        {
            return [1, 2, 3, 4, 5, 6, 7, 8, 9];
        }

        var layout = ParameterLayout.For(TaskPreset.Get(kind).Architecture);
        var random = new Random(7);
        return MlpFile.Serialize(layout, Enumerable.Range(0, layout.Count).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray());
    }

    private static async Task<UnlearningOutcome> WaitForOutcome(IUnlearningRequestGrain request)
    {
        var outcome = await Poll.Until(() => request.GetOutcome(), o => o.IsFinished, Deadline, TimeSpan.FromMilliseconds(200),
            o => $"the request did not finish within {Deadline}: {o}");
        Assert.Null(outcome.Error);
        return outcome;
    }
}
