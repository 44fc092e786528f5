using Lethe.Grains.Collection;
using Lethe.Grains.Compute;
using Lethe.Grains.Hosting;
using Lethe.Grains.Placement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Lethe.Grains.Tests;

/// <summary>Two in-process silos with the Lethe grains, in-memory storage and reminders, artifacts and hypernetwork work folders in a temp folder.</summary>
public sealed class CollectionClusterFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _artifacts = Directory.CreateTempSubdirectory("lethe-grains-tests-");

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public string ArtifactsPath => _artifacts.FullName;

    public IClusterClient Client => Cluster.Client;

    /// <summary>Runs trained by every silo of the cluster so far.</summary>
    public long RunsTrained => Cluster.Silos.Sum(s => s.ServiceProvider.GetRequiredService<ComputeExecutor>().RunsTrained);

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lethe:Artifacts:Kind"] = "local",
            ["Lethe:Artifacts:LocalPath"] = _artifacts.FullName,
            ["Lethe:Collection:PollInterval"] = "00:00:00.050",
            ["Lethe:Collection:ResumePeriod"] = "00:00:02",
            ["Lethe:Hypernet:WorkPath"] = Path.Combine(_artifacts.FullName, "work"),
            ["Lethe:Hypernet:StepsPerBatch"] = "20",
            ["Lethe:Unlearning:ResumePeriod"] = "00:00:02",
        }).Build();
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddLetheGrains(configuration, SiloAccelerator.Cpu);
            silo.AddMemoryGrainStorage(CollectionOptions.StorageName);
            silo.UseInMemoryReminderService();
            // Jobs, shards and unlearning requests resume every 2 s here, so a test sees a reminder bring one back.
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _artifacts.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class CollectionClusterGroup : ICollectionFixture<CollectionClusterFixture>
{
    public const string Name = "collection cluster";
}
