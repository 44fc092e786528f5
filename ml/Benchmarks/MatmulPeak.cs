using System.Diagnostics;
using static TorchSharp.torch;

namespace Lethe.ML.Benchmarks;

/// <summary>
/// The machine's fp32 matmul throughput, measured: square <c>n×n</c> matmuls repeated for about
/// <paramref name="seconds"/>, best of several timed batches. Benches report their GFLOP/s as a fraction of this.
/// </summary>
public static class MatmulPeak
{
    public static double MeasureGflops(int n = 1024, double seconds = 1.5)
    {
        var device = cuda.is_available() ? CUDA : CPU;
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device);
        var b = randn(n, n, device: device);
        var c = a.matmul(b);
        Synchronize(device);
        var best = 0.0;
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 4; i++)
            {
                c = a.matmul(b);
            }

            Synchronize(device);
            best = Math.Max(best, 4 * 2.0 * n * n * n / watch.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    public static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA)
        {
            cuda.synchronize();
        }
    }
}
