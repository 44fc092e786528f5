using Lethe.Contracts.Collection;

namespace Lethe.Grains.Collection;

[GenerateSerializer, Alias("lethe.dataset-catalog-state")]
public sealed class DatasetCatalogState
{
    [Id(0)] public Dictionary<string, DatasetEntry> Datasets { get; set; } = [];

    /// <summary>Jobs whose shards are being imported: the collection spec (JSON) the first imported shard carried.</summary>
    [Id(1)] public Dictionary<string, string> Importing { get; set; } = [];
}
