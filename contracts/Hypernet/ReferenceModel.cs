namespace Lethe.Contracts.Hypernet;

/// <summary>
/// A task net kept for comparison (e.g. the model retrained without the forget classes that unlearning is measured
/// against), stored as an MLP safetensors file in the artifact store.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.reference-model")]
public sealed record ReferenceModel(
    [property: Id(0)] string Name,
    [property: Id(1)] string Task,
    [property: Id(2)] string ArtifactKey,
    [property: Id(3)] string Sha256,
    [property: Id(4)] string Description);
