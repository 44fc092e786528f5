namespace Lethe.Grains.Artifacts;

/// <summary>
/// Where big artifacts (checkpoint shards) live; grains only hold their keys and checksums. Writing is two-phase so
/// nothing half-written is ever visible: <see cref="Stage"/> writes the bytes out of sight, the caller records the
/// SHA-256, then <see cref="Commit"/> makes them visible under the key with that checksum.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Short kind for metric labels and messages: <c>local</c> or <c>blob</c>.</summary>
    string Kind { get; }

    string UriOf(string key);

    /// <summary>Writes bytes that stay invisible until committed; staging the same key and checksum again is harmless.</summary>
    Task Stage(string key, byte[] bytes, string sha256, CancellationToken ct);

    /// <summary>
    /// Makes the bytes staged with <paramref name="sha256"/> visible under <paramref name="key"/> unless something is
    /// committed there already (the first commit wins). True when the key now holds exactly these bytes; false when no
    /// such bytes were staged (lost with a crashed silo) or other bytes won, so the caller adopts or recomputes.
    /// </summary>
    Task<bool> Commit(string key, string sha256, CancellationToken ct);

    /// <summary>The committed artifact under a key, or null.</summary>
    Task<ArtifactInfo?> Find(string key, CancellationToken ct);

    /// <summary>Reads a committed artifact and checks its SHA-256.</summary>
    /// <exception cref="FileNotFoundException">Nothing is committed under the key.</exception>
    /// <exception cref="InvalidDataException">The bytes do not match the checksum.</exception>
    Task<byte[]> ReadVerified(string key, string sha256, CancellationToken ct);

    /// <summary>The committed artifacts whose keys start with <paramref name="prefix"/>, in ordinal key order (staged bytes are not listed).</summary>
    Task<IReadOnlyList<ArtifactInfo>> List(string prefix, CancellationToken ct);

    /// <summary>
    /// The file a committed artifact already is on this machine (a local-folder store), which a reader may map in place;
    /// null when the store is remote (blob) or the key holds nothing, so the reader fetches a copy.
    /// </summary>
    string? LocalFile(string key) => null;

    /// <summary>Removes a committed artifact that nothing refers to any more (e.g. a superseded training checkpoint); absent keys are fine.</summary>
    Task Delete(string key, CancellationToken ct);
}
