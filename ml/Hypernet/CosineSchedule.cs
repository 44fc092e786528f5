namespace Lethe.ML.Hypernet;

/// <summary>G.pt's learning rate (spec §5.1): 0.5·base·(1 + cos(π·step/steps)), times a linear warmup factor 0 → 1.</summary>
public static class CosineSchedule
{
    public static double At(int step, int steps, double baseRate, int warmupSteps)
    {
        var warmup = warmupSteps <= 0 ? 1.0 : Math.Min(1.0, (step + 1.0) / warmupSteps);
        return 0.5 * baseRate * (1 + Math.Cos(Math.PI * Math.Min(step, steps) / steps)) * warmup;
    }
}
