namespace Lethe.Contracts.Collection;

/// <summary>
/// A sealed checkpoint shard: where it is, its SHA-256, and what it holds. Grains carry this reference, never the
/// checkpoint arrays themselves.
/// </summary>
/// <param name="Name">File name in a dataset folder, e.g. <c>shard-00003.safetensors</c>.</param>
/// <param name="Uri">Location in the artifact store.</param>
/// <param name="MeanClassLoss">Per-class test loss averaged over the shard's checkpoints.</param>
[GenerateSerializer, Immutable, Alias("lethe.checkpoint-shard-manifest")]
public sealed record CheckpointShardManifest(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Index,
    [property: Id(2)] string Name,
    [property: Id(3)] string Uri,
    [property: Id(4)] string Sha256,
    [property: Id(5)] long Bytes,
    [property: Id(6)] int Count,
    [property: Id(7)] int FirstRun,
    [property: Id(8)] int LastRun,
    [property: Id(9)] float[] MeanClassLoss,
    [property: Id(10)] float[] MinClassLoss,
    [property: Id(11)] float[] MaxClassLoss);
