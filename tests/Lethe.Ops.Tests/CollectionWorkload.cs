using Lethe.Contracts.Collection;
using Lethe.Grains.Collection;
using Lethe.ML.Collection;

namespace Lethe.Ops.Tests;

/// <summary>Real work for the silo: a small MNIST-4 checkpoint-collection job submitted through an Orleans client, followed to its end.</summary>
public static class CollectionWorkload
{
    /// <summary>64 runs in 4 shards, 2 epochs: a few seconds of vectorized training that touches every collection instrument.</summary>
    public static CollectionSpec Spec { get; } = new() { Preset = "mnist4", Runs = 64, Epochs = 2, RunsPerShard = 16, Seed = 6 };

    public static async Task<JobProgress> Run(IClusterClient client, TimeSpan timeout)
    {
        var job = client.GetGrain<ICollectionJobGrain>(Spec.Id);
        await job.Plan(Spec.ToJobSpec());
        await job.Start();
        return await Poll.Until(async () => await job.GetProgress() is { IsFinished: true } progress ? progress : null,
            timeout, TimeSpan.FromMilliseconds(250), () => $"collection job {Spec.Id} did not finish");
    }
}
