using Lethe.Contracts.Artifacts;
using Orleans.Concurrency;

namespace Lethe.Grains.Artifacts;

/// <summary>Reads committed artifacts for clients, on the silo their call reached; reads run side by side.</summary>
[StatelessWorker]
public sealed class ArtifactReaderGrain(IArtifactStore artifacts) : Grain, IArtifactReaderGrain
{
    Task<byte[]> IArtifactReaderGrain.Read(string key, string sha256) => artifacts.ReadVerified(key, sha256, CancellationToken.None);
}
