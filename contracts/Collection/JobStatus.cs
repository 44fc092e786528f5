namespace Lethe.Contracts.Collection;

[GenerateSerializer, Alias("lethe.job-status")]
public enum JobStatus
{
    /// <summary>Validated and planned; no work started.</summary>
    Planned,

    Running,
    Completed,
    Cancelled,
    Failed,
}
