using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lethe.ML.Storage;

/// <summary>The <c>manifest.json</c> of a shard folder: what the shards are and their checksums.</summary>
public sealed record ShardManifest(IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<ShardEntry> Shards)
{
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public int CheckpointCount => Shards.Sum(s => s.Count);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ShardManifest FromJson(string json, string source) =>
        JsonSerializer.Deserialize<ShardManifest>(json, Json)
        ?? throw new InvalidDataException($"{source} is not a shard manifest.");
}
