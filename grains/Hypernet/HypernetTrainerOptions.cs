namespace Lethe.Grains.Hypernet;

/// <summary>How hypernetwork trainers pace and keep their work (configuration section <c>Lethe:Hypernet</c>).</summary>
public sealed class HypernetTrainerOptions
{
    public const string Section = "Lethe:Hypernet";

    /// <summary>
    /// Silo-local scratch folder for trainings in progress; the durable copy is the checkpoint in the artifact store,
    /// so this folder may vanish with its silo.
    /// </summary>
    public string WorkPath { get; set; } = Path.Combine(Path.GetTempPath(), "lethe-hypernet");

    /// <summary>
    /// Optimiser steps per call into the compute executor; each batch ends with a durable checkpoint. Small enough that
    /// collection passes are not held up long, and that a crash redoes little.
    /// </summary>
    public int StepsPerBatch { get; set; } = 250;

    /// <summary>Period of the reminder that resumes a training after its silo died.</summary>
    public TimeSpan ResumePeriod { get; set; } = TimeSpan.FromMinutes(1);
}
