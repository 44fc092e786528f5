namespace Lethe.Contracts.Collection;

[GenerateSerializer, Alias("lethe.shard-status")]
public enum ShardStatus
{
    Pending,

    /// <summary>Its runs are training.</summary>
    Training,

    /// <summary>Bytes written under a temporary name and their SHA-256 recorded; not visible yet.</summary>
    Staged,

    /// <summary>Committed under its final name; visible and verified by its SHA-256.</summary>
    Sealed,
}
