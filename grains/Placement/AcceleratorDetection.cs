namespace Lethe.Grains.Placement;

public static class AcceleratorDetection
{
    /// <summary>
    /// <c>gpu</c> or <c>cpu</c>: the configured value, or for <c>auto</c> whether libtorch sees a CUDA device (always
    /// <c>cpu</c> with the CPU build of TorchSharp).
    /// </summary>
    public static string Resolve(string configured) => configured switch
    {
        SiloAccelerator.Gpu or SiloAccelerator.Cpu => configured,
        "auto" => TorchSharp.torch.cuda.is_available() ? SiloAccelerator.Gpu : SiloAccelerator.Cpu,
        _ => throw new ArgumentException($"Unknown accelerator '{configured}'; accepted: auto, gpu, cpu."),
    };
}
