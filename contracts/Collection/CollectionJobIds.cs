using System.Security.Cryptography;
using System.Text;

namespace Lethe.Contracts.Collection;

/// <summary>Grain keys of a job and its parts; the job id is the spec's content hash.</summary>
public static class CollectionJobIds
{
    /// <summary>16 hex digits of the SHA-256 of the spec's canonical text: equal specs, equal ids.</summary>
    public static string Of(CollectionJobSpec spec)
    {
        var canonical = string.Join('\n',
            "lethe-collection-job/1", spec.Preset, spec.Runs, spec.Epochs, spec.Seed, spec.DataSource, spec.RunsPerShard);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }

    public static string Shard(string jobId, int index) => $"{jobId}/{index}";

    public static string Run(string jobId, int run) => $"{jobId}/{run}";

    /// <summary>Splits a shard or run key into the job id and the index.</summary>
    public static (string JobId, int Index) Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), out var index))
        {
            throw new ArgumentException($"'{key}' is not a '<jobId>/<index>' key.");
        }

        return (key[..slash], index);
    }
}
