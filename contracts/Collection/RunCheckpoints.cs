namespace Lethe.Contracts.Collection;

/// <summary>
/// The checkpoints of one training run as plain arrays (row i of each belongs to checkpoint i), handed from a run to
/// its shard, with the description of the data it was trained on (recorded in the shard's metadata). One MNIST-4 run is a few hundred KB, well under the 100 MB message limit; it is marked immutable so a
/// call between grains of the same silo does not copy it.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.run-checkpoints")]
public sealed record RunCheckpoints(
    [property: Id(0)] int Run,
    [property: Id(1)] int Count,
    [property: Id(2)] int ParameterCount,
    [property: Id(3)] int ClassCount,
    [property: Id(4)] float[] Params,
    [property: Id(5)] float[] ClassLoss,
    [property: Id(6)] float[] ClassAcc,
    [property: Id(7)] int[] Step,
    [property: Id(8)] int[] Epoch,
    [property: Id(9)] string DataSource);
