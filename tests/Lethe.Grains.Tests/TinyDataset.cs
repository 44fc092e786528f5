using Lethe.Contracts.Collection;
using Lethe.Grains.Collection;
using Lethe.ML.Collection;

namespace Lethe.Grains.Tests;

/// <summary>The checkpoint dataset the hypernetwork and DiHyFo grain tests share, collected once per cluster.</summary>
public static class TinyDataset
{
    /// <summary>10 runs of 2 epochs in two shards: enough runs for a held-out one, seconds to collect.</summary>
    public static readonly CollectionSpec Spec = new() { Runs = 10, Epochs = 2, RunsPerShard = 5, Seed = 301 };

    /// <summary>Collects the dataset (a finished job is not collected again) and returns its job id.</summary>
    public static async Task<string> Collect(IClusterClient client, TimeSpan timeout)
    {
        var job = client.GetGrain<ICollectionJobGrain>(Spec.Id);
        await job.Plan(Spec.ToJobSpec());
        await job.Start();
        var deadline = DateTime.UtcNow + timeout;
        while (!(await job.GetProgress()).IsFinished)
        {
            Assert.True(DateTime.UtcNow < deadline, "the dataset was not collected in time");
            await Task.Delay(100);
        }

        Assert.Equal(JobStatus.Completed, (await job.GetProgress()).Status);
        return Spec.Id;
    }
}
