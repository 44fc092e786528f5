using System.Security.Cryptography;

namespace Lethe.Grains.Artifacts;

public static class ArtifactChecksum
{
    public static string Sha256Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static byte[] Verified(byte[] bytes, string sha256, string where)
    {
        var actual = Sha256Of(bytes);
        if (actual != sha256)
        {
            throw new InvalidDataException($"{where} failed its checksum: expected SHA-256 {sha256}, found {actual}.");
        }

        return bytes;
    }

    /// <summary>Commits the bytes at once (small artifacts such as a job's spec).</summary>
    public static async Task<string> Put(this IArtifactStore store, string key, byte[] bytes, CancellationToken ct)
    {
        var sha = Sha256Of(bytes);
        await store.Stage(key, bytes, sha, ct);
        if (!await store.Commit(key, sha, ct))
        {
            throw new IOException($"{store.UriOf(key)} was staged but could not be committed.");
        }

        return sha;
    }
}
