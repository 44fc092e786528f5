namespace Lethe.Contracts.Hypernet;

/// <summary>
/// Samples task-net parameter vectors from one published hypernetwork version. Keyed <c>{name}/{version}/{slot}</c>
/// (<see cref="KeyOf"/>): one request's batches go to several slots, which Orleans places over the silos (GPU silos
/// first), and each activation keeps its model loaded. A stateless worker would always run on the caller's silo.
/// </summary>
[Alias("lethe.ISamplerGrain")]
public interface ISamplerGrain : IGrainWithStringKey
{
    public static string KeyOf(string name, string version, int slot) => $"{name}/{version}/{slot}";

    /// <summary>Raw parameter vectors in the task net's layout order: <c>Count</c> per condition, conditions in order.</summary>
    /// <exception cref="ArgumentException">The request names another model or version than this grain's key, or conditions of the wrong width.</exception>
    [Alias("Sample")]
    Task<SampledBatch> Sample(SampleRequest request);
}
