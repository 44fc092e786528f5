using System.Globalization;
using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Collection;
using Lethe.Grains.Artifacts;
using Lethe.ML.Collection;
using Lethe.ML.Storage;

namespace Lethe.Grains.Collection;

/// <summary>
/// The platform's checkpoint datasets. Submitting a request resolves it to its spec and plans the job the spec's hash
/// names; importing a dataset folder stores its shard files where the job's shard grains look for committed shards, so
/// completing the job adopts them (verified) instead of training anything.
/// </summary>
public sealed class DatasetCatalogGrain(
    [PersistentState("catalog", CollectionOptions.StorageName)] IPersistentState<DatasetCatalogState> state,
    IArtifactStore artifacts) : Grain, IDatasetCatalogGrain
{
    async Task<JobPlan> IDatasetCatalogGrain.Submit(CollectionRequest request)
    {
        var spec = request.ToEngineSpec();
        return await Plan(spec, "collected");
    }

    async Task<string> IDatasetCatalogGrain.ImportShard(byte[] shard, string origin)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var (batch, metadata) = ShardFile.Deserialize(shard, $"a shard of {origin}");
        var spec = metadata.TryGetValue("spec", out var json)
            ? CollectionSpec.FromJson(json)
            : throw new InvalidDataException($"A shard of {origin} carries no collection spec in its metadata; only folders written by 'lethe collect' can be imported.");
        if (!metadata.TryGetValue("shard", out var indexText) || !int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || metadata.GetValueOrDefault("job") != spec.Id || index >= spec.ShardCount)
        {
            throw new InvalidDataException($"A shard of {origin} does not say which shard of job {spec.Id} it is, or names another job than its spec.");
        }

        var (first, last) = spec.ToJobSpec().RunsOfShard(index);
        if (batch.Run.Any(r => r < first || r > last))
        {
            throw new InvalidDataException($"Shard {index} of {origin} holds runs outside {first}-{last}, the runs of shard {index} of job {spec.Id}.");
        }

        var key = ArtifactKeys.Shard(spec.Id, index);
        if (await artifacts.Find(key, CancellationToken.None) is null)
        {
            await artifacts.Put(key, shard, CancellationToken.None);
        }

        if (!state.State.Importing.ContainsKey(spec.Id))
        {
            state.State.Importing[spec.Id] = spec.ToJson();
            await state.WriteStateAsync();
        }

        return spec.Id;
    }

    async Task<JobPlan> IDatasetCatalogGrain.CompleteImport(string jobId, string origin)
    {
        if (!state.State.Importing.TryGetValue(jobId, out var json))
        {
            throw new ArgumentException($"No shard of job {jobId} was imported; import the folder's shards first.");
        }

        var plan = await Plan(CollectionSpec.FromJson(json), $"imported from {origin}");
        state.State.Importing.Remove(jobId);
        await state.WriteStateAsync();
        return plan;
    }

    async Task IDatasetCatalogGrain.RegisterUse(string jobId, DatasetUse use)
    {
        if (state.State.Deleting.Contains(jobId))
        {
            throw new InvalidOperationException($"Dataset {jobId} is being deleted.");
        }

        var uses = state.State.Uses.TryGetValue(jobId, out var list) ? list : state.State.Uses[jobId] = [];
        if (!uses.Contains(use))
        {
            uses.Add(use);
            await state.WriteStateAsync();
        }
    }

    async Task<DatasetDeletion> IDatasetCatalogGrain.Delete(string jobId, int maxArtifacts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxArtifacts, 1);
        var job = GrainFactory.GetGrain<ICollectionJobGrain>(jobId);
        if (!state.State.Deleting.Contains(jobId))
        {
            var progress = await job.GetProgress();
            if (!state.State.Datasets.ContainsKey(jobId) && progress.ShardsPlanned == 0)
            {
                throw new ArgumentException($"No dataset {jobId}; 'lethe dataset list' lists them.");
            }

            if (progress.Status == JobStatus.Running)
            {
                throw new InvalidOperationException($"Dataset {jobId} is being collected; cancel its collection first (Ctrl+C on 'lethe collect').");
            }

            var inUse = await RunningUses(jobId);
            if (inUse.Count > 0)
            {
                throw new InvalidOperationException($"Dataset {jobId} is in use by {string.Join(", ", inUse)}; delete it when they have finished.");
            }

            state.State.Deleting.Add(jobId);
            await state.WriteStateAsync();
        }

        var keys = (await artifacts.List($"jobs/{jobId}/", CancellationToken.None))
            .Concat((await artifacts.List("datasets/", CancellationToken.None)).Where(a => a.Key.Split('/')[1].Split('+').Contains(jobId)))
            .ToList();
        var batch = keys.Take(maxArtifacts).ToList();
        foreach (var artifact in batch)
        {
            await artifacts.Delete(artifact.Key, CancellationToken.None);
        }

        var done = batch.Count == keys.Count;
        if (done)
        {
            await job.Forget();
            await GrainFactory.GetGrain<IDatasetStatisticsGrain>(jobId).Forget();
            state.State.Datasets.Remove(jobId);
            state.State.Uses.Remove(jobId);
            state.State.Importing.Remove(jobId);
            state.State.Deleting.Remove(jobId);
            await state.WriteStateAsync();
        }

        return new DatasetDeletion(jobId, batch.Count, batch.Sum(a => a.Bytes), keys.Count - batch.Count, done);
    }

    /// <summary>The registered uses of a dataset whose training or request has not finished; finished ones are dropped.</summary>
    private async Task<List<DatasetUse>> RunningUses(string jobId)
    {
        if (!state.State.Uses.TryGetValue(jobId, out var uses))
        {
            return [];
        }

        var running = new List<DatasetUse>();
        foreach (var use in uses)
        {
            var active = use.Kind == "training"
                ? (await GrainFactory.GetGrain<Contracts.Hypernet.IHypernetTrainerGrain>(use.Id).GetStatus()).State == Contracts.Hypernet.HypernetTrainingState.Training
                : (await GrainFactory.GetGrain<Contracts.Unlearning.IUnlearningRequestGrain>(use.Id).GetOutcome()).Status == Contracts.Unlearning.UnlearningStatus.Running;
            if (active)
            {
                running.Add(use);
            }
        }

        if (running.Count != uses.Count)
        {
            state.State.Uses[jobId] = running;
            await state.WriteStateAsync();
        }

        return running;
    }

    Task<IReadOnlyList<DatasetEntry>> IDatasetCatalogGrain.List() =>
        Task.FromResult<IReadOnlyList<DatasetEntry>>(state.State.Datasets.Values.OrderBy(d => d.RegisteredUtc).ToList());

    private async Task<JobPlan> Plan(CollectionSpec spec, string origin)
    {
        var plan = await GrainFactory.GetGrain<ICollectionJobGrain>(spec.Id).Plan(spec.ToJobSpec());
        if (!state.State.Datasets.ContainsKey(spec.Id))
        {
            state.State.Datasets[spec.Id] = new DatasetEntry(spec.Id, spec.Preset, spec.Task.Architecture.ToString(), spec.Runs, spec.Data, origin, DateTimeOffset.UtcNow);
            await state.WriteStateAsync();
        }

        return plan with { Architecture = spec.Task.Architecture.ToString() };
    }
}
