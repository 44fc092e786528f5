namespace Lethe.Grains.Placement;

/// <summary>The silo metadata a silo advertises about its compute device (immutable for the silo's lifetime).</summary>
public static class SiloAccelerator
{
    public const string MetadataKey = "lethe.accelerator";
    public const string Gpu = "gpu";
    public const string Cpu = "cpu";
}
