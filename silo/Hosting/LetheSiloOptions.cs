namespace Lethe.Silo.Hosting;

/// <summary>
/// Silo settings (configuration section <c>Lethe</c>, e.g. env <c>Lethe__Profile=Cluster</c>,
/// <c>Lethe__Redis=redis:6379</c>). Orleans' own options bind from <c>Orleans</c> (<c>Orleans__ClusterId</c>, ...).
/// </summary>
public sealed class LetheSiloOptions
{
    public const string Section = "Lethe";

    public SiloProfile Profile { get; set; } = SiloProfile.Local;

    /// <summary>StackExchange.Redis connection string (Cluster profile).</summary>
    public string? Redis { get; set; }

    public int SiloPort { get; set; } = 11_111;

    public int GatewayPort { get; set; } = 30_000;

    /// <summary><c>auto</c> (ask libtorch for CUDA), <c>gpu</c> or <c>cpu</c>; advertised as silo metadata <c>lethe.accelerator</c>.</summary>
    public string Accelerator { get; set; } = "auto";
}
