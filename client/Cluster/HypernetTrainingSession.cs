using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Hypernet;
using Lethe.ML.Hypernet;

namespace Lethe.Client.Cluster;

/// <summary>
/// Drives one named hypernetwork training on the grains: starts (or continues) it, follows it to the end, cancels it,
/// and exports it into a folder laid out as a training folder, so the folder-based commands work on it.
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
            HypernetTrainerStatus status;
            try
            {
                status = await _trainer.GetStatus();
            }
            catch (Exception e) when (e is TimeoutException or SiloUnavailableException or Orleans.Runtime.Messaging.ConnectionFailedException or OrleansMessageRejectionException)
            {
                // E.g. the process that hosted the Local platform's silo, which this one was attached to, has ended.
                throw new InvalidOperationException(
                    $"Lost the silo serving training {name} ({e.GetType().Name}); the training is durable: run the same command again to continue from its last checkpoint.", e);
            }

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
    /// file beside its alignment report, all read through the grains. The folder is assembled under a temporary name
    /// and renamed into place, replacing what was there.
    /// </summary>
    public async Task<string> Export(string folder, CancellationToken ct)
    {
        var status = await _trainer.GetStatus();
        if (status.CheckpointKey is null || status.CheckpointSha256 is null)
        {
            throw new InvalidOperationException($"Training {name} has no durable checkpoint yet (step {status.Step}); nothing to export.");
        }

        var reader = connection.Client.GetGrain<IArtifactReaderGrain>(0);
        var full = Path.GetFullPath(folder);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var assembling = Path.Combine(parent, $".{Path.GetFileName(full)}.export-{Guid.NewGuid():N}");
        try
        {
            TrainingFolder.Restore(assembling, await reader.Read(status.CheckpointKey, status.CheckpointSha256));
            var registry = connection.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
            foreach (var version in await registry.List(name))
            {
                ct.ThrowIfCancellationRequested();
                var versionFolder = Path.Combine(assembling, "models", version.Version);
                Directory.CreateDirectory(versionFolder);
                await File.WriteAllBytesAsync(Path.Combine(versionFolder, "model.safetensors"), await reader.Read(version.ArtifactKey, version.Sha256), ct);
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
    /// The best published version of <paramref name="name"/>; when the platform has none (e.g. its state was reset but
    /// the exported training folder survived), the folder's best model is imported and published.
    /// </summary>
    public static async Task<PublishedHypernet> Published(LetheConnection connection, string name, string folder, CancellationToken ct)
    {
        var registry = connection.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
        return await registry.Find(name)
            ?? await registry.Import(name, await File.ReadAllBytesAsync(new TrainingFolder(folder).ModelPath(), ct));
    }

    /// <summary>
    /// A hypernetwork named on the command line: a published name in the registry, or a model file / version folder /
    /// training folder, imported under a name derived from its content (the same file always names the same model).
    /// </summary>
    public static async Task<PublishedHypernet> Resolve(LetheConnection connection, string hypernet, string? version, CancellationToken ct)
    {
        var registry = connection.Client.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
        if (!File.Exists(hypernet) && !Directory.Exists(hypernet))
        {
            return await registry.Find(hypernet, version)
                ?? throw new ArgumentException($"'{hypernet}' is neither a hypernetwork file or training folder nor a model published on {connection.Where}{(version is null ? "" : $" with version {version}")}; 'lethe status' lists the published ones.");
        }

        var path = TrainingFolder.ResolveModel(hypernet);
        var bytes = await File.ReadAllBytesAsync(path, ct);
        var imported = $"file-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..12]}";
        return await registry.Import(imported, bytes);
    }
}
