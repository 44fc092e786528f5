namespace Lethe.Contracts.Hypernet;

/// <summary>
/// Trains one named hypernetwork (key: the model name). Calls return at once; training runs in bounded step batches on
/// the silo's compute executor, writes a durable checkpoint to the artifact store after each batch, publishes versions
/// to the <see cref="IModelRegistryGrain"/>, and a reminder resumes it from its last checkpoint after a silo dies.
/// </summary>
[Alias("lethe.IHypernetTrainerGrain")]
public interface IHypernetTrainerGrain : IGrainWithStringKey
{
    /// <summary>Starts training, or continues it when the same request was started before.</summary>
    /// <exception cref="ArgumentException">Unknown variant or preset, no dataset, or a dataset job with no sealed shard.</exception>
    /// <exception cref="InvalidOperationException">This name already trains (or trained) another request.</exception>
    [Alias("Start")]
    Task<HypernetTrainerStatus> Start(HypernetTrainingRequest request);

    /// <summary>Validates a request and resolves its options without starting anything.</summary>
    /// <exception cref="ArgumentException">Unknown variant or preset, or an option out of range.</exception>
    [Alias("Plan")]
    Task<HypernetTrainingPlan> Plan(HypernetTrainingRequest request);

    [Alias("GetStatus")]
    Task<HypernetTrainerStatus> GetStatus();

    /// <summary>Stops after the current step batch; published versions stay.</summary>
    [Alias("Cancel")]
    Task<HypernetTrainerStatus> Cancel();

    /// <summary>Makes sure unfinished training is running (reminders; a silo handing work over).</summary>
    [Alias("Resume")]
    Task Resume();
}
