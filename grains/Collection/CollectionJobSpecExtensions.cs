using System.Text.Json;
using Lethe.Contracts.Collection;
using Lethe.ML.Collection;

namespace Lethe.Grains.Collection;

/// <summary>Conversions between the grain-call spec and the engine's, and the names of a job's artifacts.</summary>
public static class CollectionJobSpecExtensions
{
    /// <summary>The job id: the engine spec's hash, the same id the in-process collector writes into a dataset folder.</summary>
    public static string JobId(this CollectionJobSpec spec) => spec.ToEngineSpec().Id;

    /// <summary>Checks a spec before any work starts; throws one <see cref="ArgumentException"/> saying what is accepted.</summary>
    public static CollectionJobSpec Validated(this CollectionJobSpec spec)
    {
        spec.ToEngineSpec().Validated();
        if (spec.Data != "npm" && !Directory.Exists(spec.Data))
        {
            throw new ArgumentException($"Data source '{spec.Data}' is neither 'npm' nor an existing folder of IDX files on the silo (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).");
        }

        return spec;
    }

    /// <summary>
    /// The engine's spec and the grain-call spec (contracts cannot reference TorchSharp) carry the same properties under
    /// the same names, so one JSON round trip maps either way; a test keeps the two property sets equal.
    /// </summary>
    public static CollectionSpec ToEngineSpec(this CollectionJobSpec spec) => Convert<CollectionJobSpec, CollectionSpec>(spec);

    public static CollectionJobSpec ToJobSpec(this CollectionSpec spec) => Convert<CollectionSpec, CollectionJobSpec>(spec);

    private static TTo Convert<TFrom, TTo>(TFrom spec) =>
        JsonSerializer.Deserialize<TTo>(JsonSerializer.Serialize(spec))
        ?? throw new InvalidDataException($"A {typeof(TFrom).Name} did not convert to a {typeof(TTo).Name}.");
}
