namespace Lethe.Contracts.Hypernet;

/// <summary>
/// Parameter vectors to sample from a published hypernetwork: <paramref name="Count"/> per condition.
/// </summary>
/// <param name="Version">A published version; null samples the best one.</param>
/// <param name="Sampler"><c>ddim</c> or <c>ddpm</c>.</param>
/// <param name="Guidance">Classifier-free guidance scale; null takes the version's default.</param>
[GenerateSerializer, Immutable, Alias("lethe.sample-request")]
public sealed record SampleRequest(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Version,
    [property: Id(2)] IReadOnlyList<SamplingCondition> Conditions,
    [property: Id(3)] int Count = 1,
    [property: Id(4)] long Seed = 0,
    [property: Id(5)] int Steps = 50,
    [property: Id(6)] string Sampler = "ddim",
    [property: Id(7)] double? Guidance = null);
