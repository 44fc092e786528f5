namespace Lethe.Contracts.Hypernet;

[GenerateSerializer, Alias("lethe.hypernet-training-state")]
public enum HypernetTrainingState
{
    /// <summary>No training was started under this name.</summary>
    None,

    Training,
    Completed,
    Cancelled,
    Failed,
}
