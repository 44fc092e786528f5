namespace Lethe.Contracts.Hypernet;

/// <summary>Samples task-net parameter vectors from published hypernetworks; a stateless worker, so any silo serves it.</summary>
[Alias("lethe.ISamplerGrain")]
public interface ISamplerGrain : IGrainWithIntegerKey
{
    /// <summary>Raw parameter vectors in the task net's layout order: <c>Count</c> per condition, conditions in order.</summary>
    /// <exception cref="ArgumentException">Unknown model or version, or conditions of the wrong width.</exception>
    [Alias("Sample")]
    Task<float[][]> Sample(SampleRequest request);
}
