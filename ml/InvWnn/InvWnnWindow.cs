using static TorchSharp.torch;

namespace Lethe.ML.InvWnn;

/// <summary>
/// How InvWNN reads a weight history (unlearning-reference.md §2.3-2.5). A window is <see cref="Snapshots"/> consecutive
/// per-epoch states θ^t … θ^{t+14}; per coordinate the predictor sees them newest first, x = [θ^{t+14}, …, θ^t], and
/// d[j] = x[j+1] − x[j]; its residual Δ is added to the oldest snapshot θ^t to estimate θ^{t−U}, the state
/// <see cref="Rewind"/> epochs before the window. Training targets are therefore θ^{t−U} − θ^t.
/// </summary>
public static class InvWnnWindow
{
    /// <summary>K: snapshots per window.</summary>
    public const int Snapshots = 15;

    /// <summary>U: epochs before the oldest snapshot that the predictor estimates.</summary>
    public const int Rewind = 3;

    /// <summary>Window starts t of a trajectory of <paramref name="length"/> snapshots that have a target: U ≤ t ≤ length − K.</summary>
    public static IEnumerable<int> Starts(int length) => Enumerable.Range(Rewind, Math.Max(0, length - Snapshots - Rewind + 1));

    /// <summary>
    /// Inputs of a window: <paramref name="window"/> holds the K snapshots oldest first as a [K, N] tensor (N coordinates);
    /// returns x [N, K] newest first and d [N, K−1].
    /// </summary>
    public static (Tensor X, Tensor D) Inputs(Tensor window)
    {
        if (window.ndim != 2 || window.shape[0] != Snapshots)
        {
            throw new ArgumentException($"An InvWNN window is [{Snapshots}, coordinates]; got [{string.Join(", ", window.shape)}].");
        }

        var x = window.flip(0).t().contiguous();
        return (x, x[.., 1..] - x[.., ..^1]);
    }

    /// <summary>
    /// The WNN normalisation (§2.4) per coordinate: subtract the oldest value, divide by s = 2·(range + 1e-8 + 1e-5). Both
    /// inputs and the residual live in units of s, so slow fine-tuning trajectories and fast training ones look alike.
    /// Returns the normalised inputs and s [N].
    /// </summary>
    public static (Tensor X, Tensor D, Tensor Scale) Normalised(Tensor x, Tensor d)
    {
        var oldest = x[.., ^1..];
        var range = x.amax([1], keepdim: true) - x.amin([1], keepdim: true);
        var scale = 2 * (range + 1e-8 + 1e-5);
        return ((x - oldest) / scale, d / scale, scale.squeeze(1));
    }
}
