using System.Text;
using System.Text.Json;
using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Collection;
using Lethe.Contracts.Hypernet;
using Lethe.Contracts.Unlearning;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Lethe.Cluster.Tests;

/// <summary>
/// A DiHyFo request on three silo processes fans its candidate batches out to sampler grains spread over the silos,
/// and selects the model an embedded silo (the CLI's) selects for the same request and seed.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterSamplingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task A_dihyfo_request_samples_on_several_silos_and_selects_what_an_embedded_silo_selects()
    {
        await using var redis = await RedisServer.Start();
        await using var azurite = await AzuriteServer.Start();
        var clusterId = $"test-{Guid.NewGuid():N}"[..16];
        var environment = RedisCluster.Environment(redis, azurite, clusterId, $"lethe-{clusterId}");
        await using var silos = new SiloGroup(Enumerable.Range(0, 3).Select(i => new SiloProcess($"silo-{i}", environment)).ToList(), output);
        var work = Directory.CreateTempSubdirectory("lethe-spread-");
        try
        {
            await silos.StartAll(TimeSpan.FromSeconds(60));
            using var client = await RedisCluster.ConnectClient(redis.ConnectionString, clusterId, TimeSpan.FromSeconds(30));
            var grains = client.Services.GetRequiredService<IClusterClient>();
            await RedisCluster.WaitForActiveSilos(grains, 3);

            var plan = await grains.GetGrain<IDatasetCatalogGrain>(IDatasetCatalogGrain.Key).Submit(new CollectionRequest("mnist4", 16, Epochs: 2));
            var job = grains.GetGrain<ICollectionJobGrain>(plan.JobId);
            await job.Start();
            var collected = await Poll.Until(async () => await job.GetProgress() is { IsFinished: true } p ? p : null, Deadline, Interval, () => "the collection did not finish");
            Assert.Equal(JobStatus.Completed, collected.Status);
            var trainer = grains.GetGrain<IHypernetTrainerGrain>("spread");
            await trainer.Start(new HypernetTrainingRequest("dihyfo2", "tiny", [plan.JobId], Steps: 40));
            var trained = await Poll.Until(async () => await trainer.GetStatus() is { IsFinished: true } s ? s : null, Deadline, Interval, () => "the training did not finish");
            Assert.Equal(HypernetTrainingState.Completed, trained.State);
            var published = (await grains.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key).Find("spread"))!;

            var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
            var model = MlpFile.Serialize(layout, layout.InitialParameters(1));
            var request = grains.GetGrain<IUnlearningRequestGrain>("spread-1");
            await request.Submit(new UnlearningRequestSpec(model, [2], "dihyfo2", "mnist4", Seed: 5, Tenant: "test",
                Hypernet: published.Name, HypernetVersion: published.Version, Checkpoints: [plan.JobId], Candidates: 64));
            var outcome = await Poll.Until(async () => await request.GetOutcome() is { IsFinished: true } o ? o : null, Deadline, Interval, () => "the request did not finish");
            Assert.True(outcome.Status == UnlearningStatus.Completed, outcome.Error);

            var reader = grains.GetGrain<IArtifactReaderGrain>(0);
            using var clusterReport = JsonDocument.Parse(Encoding.UTF8.GetString(await reader.Read(outcome.ReportKey!, outcome.ReportSha256!)));
            var details = clusterReport.RootElement.GetProperty("details");
            var samplerSilos = details.GetProperty("sampler_silos").EnumerateArray().Select(e => e.GetString()).ToList();
            output.WriteLine($"64 candidates sampled on {samplerSilos.Count} silos: {string.Join(", ", samplerSilos)}");
            Assert.True(samplerSilos.Count > 1, $"every batch was sampled on {string.Join(", ", samplerSilos)}");

            // The same request on the CLI's embedded silo, from the cluster's hypernetwork file and dataset.
            var hypernetFile = Path.Combine(work.FullName, "spread.safetensors");
            await File.WriteAllBytesAsync(hypernetFile, await reader.Read(published.ArtifactKey, published.Sha256));
            var checkpoints = ShardFolder.Open(Path.Combine(work.FullName, "checkpoints"), create: true);
            foreach (var shard in await job.GetShards())
            {
                var bytes = await reader.Read(ArtifactKeys.Shard(plan.JobId, shard.Index), shard.Sha256);
                var metadata = ShardFile.Deserialize(bytes).Metadata;
                checkpoints.Add(shard.Name, bytes, shard.Count, shard.FirstRun, shard.LastRun, ShardedCollection.Metadata(CollectionSpec.FromJson(metadata["spec"]), metadata["dataset"]));
            }

            var modelFile = Path.Combine(work.FullName, "model.safetensors");
            await File.WriteAllBytesAsync(modelFile, model);
            var unlearned = Path.Combine(work.FullName, "embedded.safetensors");
            var embedded = LetheProcess.RunIn(Path.Combine(work.FullName, "home"), "unlearn", "--model", modelFile, "--forget", "2", "--method", "dihyfo2",
                "--hypernet", hypernetFile, "--checkpoints", checkpoints.Path, "--candidates", "64", "--seed", "5", "--out", unlearned);
            Assert.True(embedded.ExitCode == 0, embedded.Output + embedded.Error);

            using var embeddedReport = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(work.FullName, "embedded.report.json")));
            Assert.Equal(details.GetProperty("selected_candidate").GetInt32(), embeddedReport.RootElement.GetProperty("details").GetProperty("selected_candidate").GetInt32());
            var onCluster = MlpFile.Deserialize(await reader.Read(outcome.ModelKey!, outcome.ModelSha256!), "the cluster's model", layout.Architecture).Flat;
            var onEmbedded = MlpFile.Load(unlearned, layout.Architecture).Flat;
            Assert.Equal(onCluster.Length, onEmbedded.Length);
            Assert.All(onCluster.Zip(onEmbedded), p => Assert.Equal(p.First, p.Second, 1e-5f));
        }
        catch
        {
            silos.WriteTails();
            throw;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
