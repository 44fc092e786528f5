namespace Lethe.Grains.Compute;

/// <summary>Settings of the silo compute executor (configuration section <c>Lethe:Compute</c>).</summary>
public sealed class ComputeOptions
{
    public const string Section = "Lethe:Compute";

    /// <summary>Threads that own TorchSharp work; one per device is right on a CPU (libtorch parallelises inside ops).</summary>
    public int Threads { get; set; } = 1;

    /// <summary>
    /// Extra threads that run only interactive calls (sampling, DiHyFo requests), so a request someone waits on for a
    /// second does not queue behind a baseline's fine-tuning or a training's step batch; 0 leaves them to the compute
    /// threads, which still take interactive calls first. Each runs torch on one intra-op thread.
    /// </summary>
    public int InteractiveThreads { get; set; } = 1;

    /// <summary>
    /// Torch intra-op threads of each compute thread; unset: the cores shared out among <see cref="Threads"/>. Two
    /// small trainings side by side with one intra-op thread each beat one after the other with two: their matmuls are
    /// too small for two threads to pay (see <c>lethe bench train --threads</c>).
    /// </summary>
    public int? TorchThreads { get; set; }

    /// <summary>The intra-op thread count each compute thread sets before its first torch call.</summary>
    public int TorchThreadsPerWorker => TorchThreads ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, Threads));

    /// <summary>How long a batch keeps gathering runs once no new run arrived: a few ms of wait buys a wider vectorized pass.</summary>
    public TimeSpan GatherWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Upper bound on gathering, so a steady trickle of runs cannot postpone training forever.</summary>
    public TimeSpan MaxGather { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most runs trained in one vectorized pass (memory grows with it).</summary>
    public int MaxBatchRuns { get; set; } = 1024;
}
