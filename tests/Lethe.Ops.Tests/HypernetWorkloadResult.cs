using Lethe.Contracts.Hypernet;

namespace Lethe.Ops.Tests;

/// <summary>How the hypernetwork training ended and the parameter vectors sampled from its published version.</summary>
public sealed record HypernetWorkloadResult(HypernetTrainerStatus Training, float[][] Samples);
