namespace Lethe.Contracts.Collection;

[GenerateSerializer, Immutable, Alias("lethe.run-progress")]
public sealed record RunProgress(
    [property: Id(0)] RunStatus Status,
    [property: Id(1)] int Checkpoints,
    [property: Id(2)] string? Error);
