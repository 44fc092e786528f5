using Lethe.Contracts.Collection;

namespace Lethe.Grains.Collection;

[GenerateSerializer, Alias("lethe.dataset-catalog-state")]
public sealed class DatasetCatalogState
{
    [Id(0)] public Dictionary<string, DatasetEntry> Datasets { get; set; } = [];

    /// <summary>Jobs whose shards are being imported: the collection spec (JSON) the first imported shard carried.</summary>
    [Id(1)] public Dictionary<string, string> Importing { get; set; } = [];

    /// <summary>Trainings and requests that registered a use of a dataset (finished ones are dropped when a delete checks them).</summary>
    [Id(2)] public Dictionary<string, List<DatasetUse>> Uses { get; set; } = [];

    /// <summary>Datasets being deleted: no new use may register.</summary>
    [Id(3)] public HashSet<string> Deleting { get; set; } = [];
}
