using Lethe.Contracts.Hypernet;

namespace Lethe.Ops.Tests;

/// <summary>
/// Real work for the hypernetwork rows: a tiny DiHyFo-2 trained on the collected job until it publishes a version,
/// then two sampling calls on that version, in different scrapes.
/// </summary>
public static class HypernetWorkload
{
    public const string Name = "ops-live";

    /// <summary>The tiny preset publishes a version every 40 steps; two batches of 20 update the progress gauges twice.</summary>
    public const int Steps = 40;

    public const int StepsPerBatch = 20;

    public static async Task<HypernetWorkloadResult> Run(IClusterClient client, PrometheusServer prometheus, string job, string datasetJobId, TimeSpan timeout)
    {
        var trainer = client.GetGrain<IHypernetTrainerGrain>(Name);
        await trainer.Start(new HypernetTrainingRequest("dihyfo2", "tiny", [datasetJobId], Steps));
        var training = await Poll.Until(async () => await trainer.GetStatus() is { IsFinished: true } status ? status : null,
            timeout, TimeSpan.FromMilliseconds(250), () => $"hypernetwork {Name} did not finish training");
        if (training.State != HypernetTrainingState.Completed)
        {
            return new HypernetWorkloadResult(training, []);
        }

        // A target test loss per MNIST-4 class: nets that forgot class 3 (high loss) and kept the others.
        var sampler = client.GetGrain<ISamplerGrain>(ISamplerGrain.KeyOf(Name, training.LatestVersion!, 0));
        var request = new SampleRequest(Name, training.LatestVersion, [new([0.1f, 0.1f, 0.2f, 2.5f])], Count: 2, Seed: 6, Steps: 5);
        var first = await sampler.Sample(request);
        await prometheus.WaitUntilScraped($"lethe_sampler_latency_seconds_count{{job=\"{job}\"}} >= 1", timeout);
        var second = await sampler.Sample(request with { Seed = 7 });
        return new HypernetWorkloadResult(training, [.. first.Rows, .. second.Rows]);
    }
}
