using System.Globalization;
using Lethe.Contracts.Hypernet;
using Lethe.Grains.Artifacts;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.Client.Cluster;

/// <summary>
/// Drives one named hypernetwork training on the grains: starts (or continues) it, follows it to the end, cancels it,
/// and exports it into a folder laid out as an in-process training's, so the folder-based commands work on it.
/// </summary>
public sealed class HypernetTrainingSession(LetheConnection connection, string name)
{
    private readonly IHypernetTrainerGrain _trainer = connection.Client.GetGrain<IHypernetTrainerGrain>(name);

    public string Name => name;

    /// <summary>Starts the training, or continues it when this name trains the same request already.</summary>
    public Task<HypernetTrainerStatus> Start(HypernetTrainingRequest request) => _trainer.Start(request);

    public Task<HypernetTrainerStatus> Status() => _trainer.GetStatus();

    /// <summary>Stops the training after its current step batch; its published versions stay.</summary>
    public Task<HypernetTrainerStatus> Cancel() => _trainer.Cancel();

    /// <summary>Polls until the training finishes; throws when it failed or was cancelled elsewhere.</summary>
    public async Task<HypernetTrainerStatus> WaitForCompletion(Action<HypernetTrainerStatus> report, TimeSpan pollInterval, CancellationToken ct)
    {
        while (true)
        {
            var status = await _trainer.GetStatus();
            report(status);
            switch (status.State)
            {
                case HypernetTrainingState.Completed:
                    return status;
                case HypernetTrainingState.Failed:
                    throw new InvalidOperationException($"Training {name} failed at step {status.Step}: {status.Error}");
                case HypernetTrainingState.Cancelled:
                    throw new InvalidOperationException($"Training {name} was cancelled at step {status.Step}; start it again to continue.");
                case HypernetTrainingState.None:
                    throw new InvalidOperationException($"Training {name} is unknown to the silos (was it started on another cluster?).");
            }

            await Task.Delay(pollInterval, ct);
        }
    }

    /// <summary>
    /// Writes the training's last durable checkpoint into <paramref name="folder"/> with every published version's model
    /// file beside its alignment report: the layout of a <c>TrainingFolder</c> trained in process. The folder is assembled under
    /// a temporary name and renamed into place, replacing what was there.
    /// </summary>
    public async Task<string> Export(string folder, CancellationToken ct)
    {
        var status = await _trainer.GetStatus();
        if (status.CheckpointKey is null || status.CheckpointSha256 is null)
        {
            throw new InvalidOperationException($"Training {name} has no durable checkpoint yet (step {status.Step}); nothing to export.");
        }

        var full = Path.GetFullPath(folder);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var assembling = Path.Combine(parent, $".{Path.GetFileName(full)}.export-{Guid.NewGuid():N}");
        try
        {
            TrainingFolder.Restore(assembling, await connection.Artifacts.ReadVerified(status.CheckpointKey, status.CheckpointSha256, ct));
            var registry = connection.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
            foreach (var version in await registry.List(name))
            {
                var versionFolder = Path.Combine(assembling, "models", version.Version);
                Directory.CreateDirectory(versionFolder);
                await File.WriteAllBytesAsync(Path.Combine(versionFolder, "model.safetensors"), await connection.Artifacts.ReadVerified(version.ArtifactKey, version.Sha256, ct), ct);
            }

            if (Directory.Exists(full))
            {
                Directory.Delete(full, recursive: true);
            }

            Directory.Move(assembling, full);
            return full;
        }
        finally
        {
            if (Directory.Exists(assembling))
            {
                Directory.Delete(assembling, recursive: true);
            }
        }
    }

    /// <summary>
    /// Publishes the best version of a training folder under <paramref name="name"/>, so requests can sample it on
    /// silos that never saw the training (an embedded silo's registry starts empty in each process); the registry keeps
    /// a version published before.
    /// </summary>
    public static async Task<PublishedHypernet> Publish(LetheConnection connection, string name, string folder, CancellationToken ct)
    {
        var path = new TrainingFolder(folder).ModelPath();
        var version = Path.GetFileName(Path.GetDirectoryName(path)!);
        var bytes = await File.ReadAllBytesAsync(path, ct);
        var key = $"hypernets/{name}/versions/{version}-{ArtifactChecksum.Sha256Of(bytes)[..12]}.safetensors";
        var sha = await connection.Artifacts.Put(key, bytes, ct);
        var metadata = SafetensorsFile.Read(bytes, path).Metadata;
        var options = new TrainingFolder(folder).ReadDefinition().Options;
        var task = TaskPreset.Get(metadata.GetValueOrDefault("task") ?? throw new InvalidDataException($"{path} does not say which task it samples."));
        return await connection.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key).Publish(new PublishedHypernet(
            name, version, options.Variant, options.Preset, int.Parse(metadata.GetValueOrDefault("step", "0"), CultureInfo.InvariantCulture), key, sha, bytes.Length,
            double.Parse(metadata.GetValueOrDefault("score", "NaN"), CultureInfo.InvariantCulture), ParameterLayout.For(task.Architecture).Count, task.Name, DateTimeOffset.UtcNow));
    }
}
