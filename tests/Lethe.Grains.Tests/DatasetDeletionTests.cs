using Lethe.Contracts.Collection;
using Lethe.Contracts.Hypernet;
using Lethe.Grains.Collection;

namespace Lethe.Grains.Tests;

[Collection(CollectionClusterGroup.Name)]
public sealed class DatasetDeletionTests(CollectionClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_dataset_in_use_by_a_training_is_kept_and_afterwards_deleted_in_bounded_calls_with_its_statistics_and_registrations()
    {
        var spec = TinyDataset.Spec with { Seed = 302 };
        var job = fixture.Client.GetGrain<ICollectionJobGrain>(spec.Id);
        await job.Plan(spec.ToJobSpec());
        await job.Start();
        await Poll.Until(() => job.GetProgress(), p => p.IsFinished, Deadline, TimeSpan.FromMilliseconds(100), p => $"not collected: {p}");
        var statistics = fixture.Client.GetGrain<IDatasetStatisticsGrain>(spec.Id);
        await Poll.Until(() => statistics.TryGet(), Deadline, TimeSpan.FromMilliseconds(200), () => "no statistics");
        var folder = Path.Combine(fixture.ArtifactsPath, "jobs", spec.Id);
        Assert.Equal(3, Directory.GetFiles(folder, "*.safetensors").Length);

        var trainer = fixture.Client.GetGrain<IHypernetTrainerGrain>("deletion-in-use");
        await trainer.Start(new HypernetTrainingRequest("dihyfo2", "tiny", [spec.Id], Steps: 1_000_000));
        var catalog = fixture.Client.GetGrain<IDatasetCatalogGrain>(IDatasetCatalogGrain.Key);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => catalog.Delete(spec.Id, 1));
        Assert.Contains("is in use by training deletion-in-use", refused.Message);
        Assert.Equal(3, Directory.GetFiles(folder, "*.safetensors").Length);

        await trainer.Cancel();
        await Poll.Until(() => trainer.GetStatus(), s => s.IsFinished, Deadline, TimeSpan.FromMilliseconds(100), s => $"not cancelled: {s.State}");
        var calls = new List<DatasetDeletion>();
        do
        {
            calls.Add(await catalog.Delete(spec.Id, 1));
        }
        while (!calls[^1].Done);

        Assert.Equal([2, 1, 0], calls.Select(c => c.ArtifactsRemaining));
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder, "*.safetensors") : []);
        Assert.Equal(0, (await job.GetProgress()).ShardsPlanned);
        Assert.Null(await statistics.Find());
        var again = await Assert.ThrowsAsync<ArgumentException>(() => catalog.Delete(spec.Id, 1));
        Assert.Contains($"No dataset {spec.Id}", again.Message);
    }
}
