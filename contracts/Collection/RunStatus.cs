namespace Lethe.Contracts.Collection;

[GenerateSerializer, Alias("lethe.run-status")]
public enum RunStatus
{
    Pending,
    Training,

    /// <summary>Checkpoints computed and held in memory until its shard is sealed.</summary>
    Trained,

    /// <summary>Its checkpoints are in a sealed shard.</summary>
    Sealed,
}
