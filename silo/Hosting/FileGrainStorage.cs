using System.Security.Cryptography;
using Orleans.Serialization;
using Orleans.Storage;

namespace Lethe.Silo.Hosting;

/// <summary>
/// Grain state as files under a folder, for the embedded (Local) profile: one file per grain and state name, written
/// to a temporary name and renamed over the old one (a reader sees the old state or the new, never half of one). The
/// ETag is the SHA-256 of the file, so a write based on a stale read is refused as Orleans storage providers do. State
/// is serialized with the Orleans serializer, the same version-tolerant format grain messages use.
/// </summary>
public sealed class FileGrainStorage(string root, Serializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        var bytes = await File.ReadAllBytesAsync(path);
        grainState.State = serializer.Deserialize<T>(bytes);
        grainState.ETag = ETagOf(bytes);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        await RequireCurrent(path, grainState.ETag, grainId);
        var bytes = serializer.SerializeToArray(grainState.State);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = $"{path}.partial-{Guid.NewGuid():N}";
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            {
                await file.WriteAsync(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }

        grainState.ETag = ETagOf(bytes);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        await RequireCurrent(path, grainState.ETag, grainId);
        File.Delete(path);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    private static async Task RequireCurrent(string path, string? expected, GrainId grainId)
    {
        var stored = File.Exists(path) ? ETagOf(await File.ReadAllBytesAsync(path)) : null;
        if (stored != expected)
        {
            throw new InconsistentStateException($"The stored state of {grainId} changed since it was read.", stored ?? "none", expected ?? "none");
        }
    }

    private string PathOf(string stateName, GrainId grainId) =>
        Path.Combine(root, Uri.EscapeDataString(stateName), Uri.EscapeDataString(grainId.Type.ToString()!), Uri.EscapeDataString(grainId.Key.ToString()!) + ".state");

    private static string ETagOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
}
