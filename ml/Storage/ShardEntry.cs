namespace Lethe.ML.Storage;

/// <summary>A sealed shard: file name, SHA-256 of its bytes, size, checkpoint count and the runs [FirstRun, LastRun] it holds.</summary>
public sealed record ShardEntry(string Name, string Sha256, long Bytes, int Count, int FirstRun, int LastRun);
