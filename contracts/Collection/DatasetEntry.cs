namespace Lethe.Contracts.Collection;

/// <summary>One checkpoint dataset known to the platform: a collection job, collected on the silos or imported from a folder.</summary>
/// <param name="Origin"><c>collected</c> or <c>imported</c> (with the folder it came from).</param>
[GenerateSerializer, Immutable, Alias("lethe.dataset-entry")]
public sealed record DatasetEntry(
    [property: Id(0)] string JobId,
    [property: Id(1)] string Preset,
    [property: Id(2)] string Architecture,
    [property: Id(3)] int Runs,
    [property: Id(4)] string Data,
    [property: Id(5)] string Origin,
    [property: Id(6)] DateTimeOffset RegisteredUtc);
