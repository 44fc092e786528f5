using System.Diagnostics;
using Lethe.Contracts.Hypernet;
using Lethe.Grains.Compute;
using Lethe.Grains.Telemetry;
using Lethe.ML.Hypernet;
using Orleans.Concurrency;

namespace Lethe.Grains.Hypernet;

/// <summary>
/// Samples parameter vectors from a published hypernetwork. A stateless worker: every silo serves requests locally,
/// from the model its <see cref="PublishedHypernetCache"/> loaded once; sampling runs on the compute executor.
/// </summary>
[StatelessWorker]
public sealed class SamplerGrain(PublishedHypernetCache cache, ComputeExecutor executor, LetheMetrics metrics) : Grain, ISamplerGrain
{
    private const int MaxVectors = 4096;

    async Task<float[][]> ISamplerGrain.Sample(SampleRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Conditions is not { Count: > 0 })
        {
            throw new ArgumentException("A sample request needs at least one condition (target losses).");
        }

        if (request.Count < 1 || (long)request.Count * request.Conditions.Count > MaxVectors)
        {
            throw new ArgumentException($"Count must be at least 1 and count x conditions at most {MaxVectors}; got {request.Count} x {request.Conditions.Count}.");
        }

        if (request.Sampler is not ("ddim" or "ddpm") || request.Steps is < 1 or > GaussianDiffusion.TrainingSteps)
        {
            throw new ArgumentException($"Sampler must be ddim or ddpm with 1-{GaussianDiffusion.TrainingSteps} steps; got {request.Sampler} with {request.Steps}.");
        }

        var registry = GrainFactory.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
        var published = await registry.Find(request.Name, request.Version)
            ?? throw new ArgumentException(request.Version is null
                ? $"No published hypernetwork named '{request.Name}'."
                : $"Hypernetwork '{request.Name}' has no published version '{request.Version}'.");
        var model = await cache.Get(published);
        var watch = Stopwatch.StartNew();
        var vectors = await executor.Run(
            () => request.Conditions
                .SelectMany((c, i) => model.Sample(new SampleConditions(c.TargetLoss, c.Current, c.CurrentLoss), request.Count, request.Seed + i, request.Steps, request.Sampler))
                .ToArray(),
            CancellationToken.None);
        metrics.SamplerLatency.Record(watch.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("variant", published.Variant));
        return vectors;
    }
}
