namespace Lethe.Grains.Artifacts;

/// <summary>A committed artifact: its key, the SHA-256 recorded when it was committed, and its size.</summary>
public sealed record ArtifactInfo(string Key, string Sha256, long Bytes);
