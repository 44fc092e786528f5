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
        var progress = await Poll.Until(() => job.GetProgress(), p => p.IsFinished, timeout, TimeSpan.FromMilliseconds(100),
            p => $"the dataset was not collected in time: {p}");

        Assert.Equal(JobStatus.Completed, progress.Status);
        return Spec.Id;
    }
}
