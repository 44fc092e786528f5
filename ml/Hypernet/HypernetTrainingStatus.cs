using System.Text.Json;
using System.Text.Json.Serialization;
using Lethe.ML.Storage;

namespace Lethe.ML.Hypernet;

/// <summary>Where a training stands; written to <c>status.json</c> after every call that trains.</summary>
public sealed record HypernetTrainingStatus(
    string Variant,
    string Preset,
    int Step,
    int Steps,
    double TrainLoss,
    double HeldOutLoss,
    double LearningRate,
    double ElapsedSeconds,
    double SamplesPerSecond,
    string? BestVersion,
    double? BestScore,
    string? LatestVersion,
    IReadOnlyDictionary<string, double>? LatestAlignment,
    IReadOnlyDictionary<string, double>? LatestPearson)
{
    public const string FileName = "status.json";

    /// <summary>A loss is NaN until the first one is measured; plain JSON has no NaN, so it is written as "NaN".</summary>
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public bool Done => Step >= Steps;

    /// <summary>The status a training folder holds, or null when it holds none.</summary>
    public static HypernetTrainingStatus? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        return File.Exists(path)
            ? JsonSerializer.Deserialize<HypernetTrainingStatus>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.")
            : null;
    }

    /// <summary>Writes <c>status.json</c> into <paramref name="folder"/> (temp name + rename).</summary>
    public void WriteTo(string folder) => ShardFolder.WriteAtomically(Path.Combine(folder, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json));
}
