using System.Globalization;
using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Hypernet;
using Lethe.Grains.Artifacts;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.Grains.Hypernet;

/// <summary>
/// The one way a hypernetwork version gets published: its model file goes to the artifact store under its
/// content-addressed key, and the registry records it with the facts its metadata carries (variant, preset, task, step,
/// alignment score). Trainer grains publish each version they make; the registry publishes files clients import.
/// </summary>
public static class HypernetPublisher
{
    /// <summary>Stores <paramref name="model"/> and describes it as version of <paramref name="name"/>; the caller records the result in the registry.</summary>
    /// <exception cref="InvalidDataException">Not a Lethe hypernetwork file.</exception>
    public static async Task<PublishedHypernet> Store(IArtifactStore artifacts, string name, byte[] model, CancellationToken ct)
    {
        var metadata = SafetensorsFile.Read(model, $"hypernetwork {name}").Metadata;
        string Meta(string key) => metadata.TryGetValue(key, out var value)
            ? value
            : throw new InvalidDataException($"The file published as hypernetwork {name} is not a Lethe hypernetwork: its metadata lacks '{key}'.");
        var options = HypernetOptions.FromJson(Meta("options"), $"hypernetwork {name}");
        var task = TaskPreset.Get(Meta("task"));
        var step = int.Parse(metadata.GetValueOrDefault("step", "0"), CultureInfo.InvariantCulture);
        var version = TrainingFolder.VersionName(step);
        var sha = ArtifactChecksum.Sha256Of(model);
        var key = ArtifactKeys.HypernetVersion(name, version, sha);
        await artifacts.Put(key, model, ct);
        return new PublishedHypernet(name, version, options.Variant, options.Preset, step, key, sha, model.Length,
            double.Parse(metadata.GetValueOrDefault("score", "NaN"), CultureInfo.InvariantCulture), ParameterLayout.For(task.Architecture).Count, task.Name, DateTimeOffset.UtcNow);
    }
}
