namespace Lethe.Contracts.Artifacts;

/// <summary>
/// Reads committed artifacts for clients (the CLI exporting shards, trainings, unlearned models and reports) without
/// their holding store credentials: a stateless worker on whichever silo the client's gateway is, address it with key 0.
/// Grain messages are capped at 100 MB, which bounds what one call returns.
/// </summary>
[Alias("lethe.IArtifactReaderGrain")]
public interface IArtifactReaderGrain : IGrainWithIntegerKey
{
    /// <summary>The bytes committed under <paramref name="key"/>, verified against <paramref name="sha256"/>.</summary>
    /// <exception cref="System.IO.FileNotFoundException">Nothing is committed under the key.</exception>
    /// <exception cref="System.IO.InvalidDataException">The bytes do not match the checksum.</exception>
    [Alias("Read")]
    Task<byte[]> Read(string key, string sha256);
}
