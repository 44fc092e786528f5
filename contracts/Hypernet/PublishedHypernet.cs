namespace Lethe.Contracts.Hypernet;

/// <summary>One published version of a hypernetwork: its model file in the artifact store and how well it aligns.</summary>
/// <param name="Version">e.g. <c>v000040</c>, the training step it was taken at.</param>
/// <param name="ArtifactKey">Key of the <c>lethe-hypernet-1</c> safetensors file in the artifact store.</param>
/// <param name="Score">Mean prompt alignment over the non-pivot classes (higher is better).</param>
/// <param name="ParameterCount">Size of the parameter vectors it samples (the task net's layout).</param>
[GenerateSerializer, Immutable, Alias("lethe.published-hypernet")]
public sealed record PublishedHypernet(
    [property: Id(0)] string Name,
    [property: Id(1)] string Version,
    [property: Id(2)] string Variant,
    [property: Id(3)] string Preset,
    [property: Id(4)] int Step,
    [property: Id(5)] string ArtifactKey,
    [property: Id(6)] string Sha256,
    [property: Id(7)] long Bytes,
    [property: Id(8)] double Score,
    [property: Id(9)] int ParameterCount,
    [property: Id(10)] string Task,
    [property: Id(11)] DateTimeOffset PublishedUtc);
