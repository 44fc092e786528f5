using Lethe.Contracts.Hypernet;

namespace Lethe.Grains.Hypernet;

[GenerateSerializer, Alias("lethe.model-registry-state")]
public sealed class ModelRegistryState
{
    /// <summary>Published hypernetworks by name, then version.</summary>
    [Id(0)] public Dictionary<string, Dictionary<string, PublishedHypernet>> Hypernets { get; set; } = [];

    [Id(1)] public Dictionary<string, ReferenceModel> References { get; set; } = [];
}
