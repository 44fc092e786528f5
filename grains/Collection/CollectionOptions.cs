namespace Lethe.Grains.Collection;

/// <summary>How collection jobs pace their work (configuration section <c>Lethe:Collection</c>).</summary>
public sealed class CollectionOptions
{
    public const string Section = "Lethe:Collection";

    /// <summary>Grain storage provider name for job, shard and run state.</summary>
    public const string StorageName = "lethe";

    /// <summary>Shards a job works on at once; with 64 runs a shard, 8 keeps 512 runs in one vectorized pass.</summary>
    public int MaxConcurrentShards { get; set; } = 8;

    /// <summary>How often a job and its shards poll their parts (all calls are start-and-poll); each poll is one small call per shard.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Period of the reminder that resumes a job after its silo died (Orleans' minimum is 1 minute by default).</summary>
    public TimeSpan ResumePeriod { get; set; } = TimeSpan.FromMinutes(1);
}
