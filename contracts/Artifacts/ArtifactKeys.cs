namespace Lethe.Contracts.Artifacts;

/// <summary>
/// The one naming scheme of the artifact store, used by every grain and client. Content-addressed keys carry the
/// first 12 hex digits of the artifact's SHA-256, so two different artifacts never share a key and a key never
/// changes meaning.
/// </summary>
public static class ArtifactKeys
{
    /// <summary>A sealed checkpoint shard: one folder per collection job, file names as in a dataset folder.</summary>
    public static string Shard(string jobId, int index) => $"jobs/{jobId}/shard-{index:D5}.safetensors";

    /// <summary>
    /// The statistics of a checkpoint dataset (one collection job: beside its shards; several jobs trained on together:
    /// under their joined ids), what DiHyFo requests read instead of the shards.
    /// </summary>
    public static string Statistics(IReadOnlyCollection<string> jobIds) => jobIds.Count == 1
        ? $"jobs/{jobIds.First()}/statistics.safetensors"
        : $"datasets/{DatasetOf(jobIds)}/statistics.safetensors";

    /// <summary>The name of the dataset several collection jobs make together: their distinct ids in order, joined by '+'.</summary>
    public static string DatasetOf(IEnumerable<string> jobIds) => string.Join("+", jobIds.Distinct().Order(StringComparer.Ordinal));

    /// <summary>A published hypernetwork version (a <c>lethe-hypernet-1</c> safetensors file).</summary>
    public static string HypernetVersion(string name, string version, string sha256) => $"hypernets/{name}/versions/{version}-{Short(sha256)}.safetensors";

    /// <summary>The folder of a training's durable checkpoints (archives of its training folder).</summary>
    public static string HypernetCheckpoints(string name, string optionsId, string datasetsHash) => $"hypernets/{name}/checkpoints/{optionsId}-{Short(datasetsHash)}/";

    /// <summary>A training checkpoint under <see cref="HypernetCheckpoints"/>: its step first, so listings sort by step.</summary>
    public static string HypernetCheckpoint(string prefix, int step, string sha256) => $"{prefix}{step:D7}-{Short(sha256)}.zip";

    /// <summary>A reference model (e.g. the retrained model requests are measured against).</summary>
    public static string Reference(string name, string sha256) => $"references/{name}-{Short(sha256)}.safetensors";

    /// <summary>The folder of one unlearning request: its input model, unlearned model and report.</summary>
    public static string Request(string requestId) => $"unlearning/{requestId}/";

    public static string RequestInput(string requestId) => $"{Request(requestId)}input.safetensors";

    public static string RequestModel(string requestId) => $"{Request(requestId)}unlearned.safetensors";

    public static string RequestReport(string requestId) => $"{Request(requestId)}report.json";

    private static string Short(string sha256) => sha256.Length >= 12 ? sha256[..12] : sha256;
}
