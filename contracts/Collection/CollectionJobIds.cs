namespace Lethe.Contracts.Collection;

/// <summary>Grain keys of a job's parts; the job's own key is its spec's hash (<c>CollectionSpec.Id</c>).</summary>
public static class CollectionJobIds
{
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
