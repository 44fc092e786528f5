using TorchSharp;

namespace Lethe.ML;

/// <summary>
/// Optimiser steps guarded against a TorchSharp 0.107 fault: <c>step()</c> converts its coefficients (learning rate,
/// momentum, betas) to temporary native Scalars and drops them while the native call still reads them; a garbage
/// collection at that moment frees one mid-call ("Expected false to be true" in c10::Scalar::toDouble/toFloat, about
/// once per thousand hypernetwork steps). No collection may run during the step: it allocates only those small objects.
/// (The SGD loop of the baselines and originals holds its Scalars itself instead: <see cref="Unlearning.SgdTraining"/>;
/// this guard cost it 42 % of its time.) The region is process-wide, hence the lock (the demo
/// trains two variants at once). Its budget is small on purpose: an AdamW step of the cpu preset allocates about 90 KB
/// of managed objects (measured with GC.GetAllocatedBytesForCurrentThread); a 16 MB region per step made the process
/// grow by about 1 MB per step (0.33 GB to 1.7 GB in 2,654 steps of `lethe bench train`), while 512 KB keeps it flat
/// and ends early, letting a collection in, in about 2 % of steps (other threads allocate too).
/// </summary>
public static class OptimizerSteps
{
    private const long NoCollectionBudget = 512 * 1024;

    private static readonly Lock NoCollection = new();

    public static void WithoutCollection(torch.optim.Optimizer optimizer)
    {
        lock (NoCollection)
        {
            var region = GC.TryStartNoGCRegion(NoCollectionBudget);
            try
            {
                optimizer.step();
            }
            finally
            {
                if (region && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                {
                    GC.EndNoGCRegion();
                }
            }
        }
    }
}
