namespace Lethe.Grains.Unlearning;

/// <summary>How unlearning requests keep going (configuration section <c>Lethe:Unlearning</c>).</summary>
public sealed class UnlearningOptions
{
    public const string Section = "Lethe:Unlearning";

    /// <summary>Period of the reminder that restarts a request whose silo died (Orleans' minimum is 1 minute by default).</summary>
    public TimeSpan ResumePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Sampler grains one DiHyFo request's candidate batches are spread over (slots of the published version; Orleans
    /// places each slot on some silo, GPU silos first). More slots than silos keeps every silo busy.
    /// </summary>
    public int SamplerSlots { get; set; } = 8;
}
