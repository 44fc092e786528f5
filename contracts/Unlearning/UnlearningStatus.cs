namespace Lethe.Contracts.Unlearning;

[GenerateSerializer, Alias("lethe.unlearning-status")]
public enum UnlearningStatus
{
    /// <summary>No request was submitted under this id.</summary>
    None,

    Running,
    Completed,
    Failed,

    /// <summary>Cancelled by its tenant before it finished; no results.</summary>
    Cancelled,
}
