using System.Diagnostics;
using Lethe.Contracts.Hypernet;
using Lethe.Grains.Compute;
using Lethe.Grains.Placement;
using Lethe.Grains.Telemetry;
using Lethe.ML.Hypernet;
using Orleans.Placement;

namespace Lethe.Grains.Hypernet;

/// <summary>
/// Samples parameter vectors from one published hypernetwork version (key <c>{name}/{version}/{slot}</c>). Slots are
/// placed at random among the silos the GPU filter leaves (GPU silos when there are any), so one request's batches
/// spread over the cluster; the model is loaded once per silo (<see cref="PublishedHypernetCache"/>) and sampling runs
/// on that silo's compute executor.
/// </summary>
[PrefersGpu]
[RandomPlacement]
public sealed class SamplerGrain(PublishedHypernetCache cache, ComputeExecutor executor, LetheMetrics metrics, ILocalSiloDetails silo) : Grain, ISamplerGrain
{
    private const int MaxVectors = 4096;

    private PublishedHypernet? _published;

    async Task<SampledBatch> ISamplerGrain.Sample(SampleRequest request)
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

        var published = await Published();
        if (request.Name != published.Name || (request.Version is { } version && version != published.Version))
        {
            throw new ArgumentException($"Sampler {this.GetPrimaryKeyString()} serves {published.Name} {published.Version}; the request asks for {request.Name} {request.Version}.");
        }

        var model = await cache.Get(published);
        var watch = Stopwatch.StartNew();
        var vectors = await executor.Run(
            () => request.Conditions
                .SelectMany((c, i) => model.Sample(new SampleConditions(c.TargetLoss, c.Current, c.CurrentLoss), request.Count, request.Seed + i, request.Steps, request.Sampler, request.Guidance))
                .ToArray(),
            CancellationToken.None,
            interactive: true);
        metrics.SamplerLatency.Record(watch.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("variant", published.Variant));
        metrics.SamplerBatches.Add(1, new KeyValuePair<string, object?>("variant", published.Variant));
        return new SampledBatch(vectors, silo.SiloAddress.ToString());
    }

    /// <summary>The version this grain's key names, looked up once per activation (published versions never change).</summary>
    private async Task<PublishedHypernet> Published()
    {
        if (_published is null)
        {
            var key = this.GetPrimaryKeyString();
            var parts = key.Split('/');
            if (parts.Length != 3)
            {
                throw new ArgumentException($"Sampler key '{key}' is not '{{name}}/{{version}}/{{slot}}'.");
            }

            _published = await GrainFactory.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key).Find(parts[0], parts[1])
                ?? throw new ArgumentException($"Hypernetwork '{parts[0]}' has no published version '{parts[1]}'.");
        }

        return _published;
    }
}
