using Lethe.ML.Data;
using Lethe.ML.Storage;
using Lethe.ML.Hypernet;

namespace Lethe.Hypernet.Tests;

/// <summary>
/// A temporary training folder (deleted on dispose) and tiny trainings in it on synthetic MNIST-4 checkpoints
/// (12 runs of 6, a fixed seed), for the test classes that train hypernetworks.
/// </summary>
public abstract class TinyTrainingFolder : IDisposable
{
    protected string Folder { get; } = Path.Combine(Path.GetTempPath(), $"lethe-hypernet-tests-{Guid.NewGuid():N}");

    protected TaskPreset Preset { get; } = TaskPreset.Mnist4;

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    /// <summary>Opens (or resumes) a training with <paramref name="options"/> in <see cref="Folder"/>.</summary>
    protected HypernetTrainer OpenTraining(HypernetOptions options) => OpenTraining(options, Folder);

    /// <summary>The same training data in another folder (the caller deletes it).</summary>
    protected HypernetTrainer OpenTraining(HypernetOptions options, string folder, WarmStart? warmStart = null) =>
        HypernetTrainer.Open(folder, options, Preset, new InMemoryCheckpointSource(SyntheticCheckpoints.Create(Preset, runs: 12, perRun: 6, seed: 3)), "synthetic",
            SyntheticCheckpoints.Images(Preset, 40, 3), warmStart: warmStart);
}
