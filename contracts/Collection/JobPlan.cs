namespace Lethe.Contracts.Collection;

/// <summary>The plan of a job: which runs go to which shard, and what it trains.</summary>
/// <param name="Architecture">The task net, e.g. <c>784-2-4</c>.</param>
[GenerateSerializer, Immutable, Alias("lethe.job-plan")]
public sealed record JobPlan(
    [property: Id(0)] string JobId,
    [property: Id(1)] CollectionJobSpec Spec,
    [property: Id(2)] int Runs,
    [property: Id(3)] int Shards,
    [property: Id(4)] int RunsPerShard,
    [property: Id(5)] string Architecture = "");
