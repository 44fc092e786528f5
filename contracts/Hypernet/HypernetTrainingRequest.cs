namespace Lethe.Contracts.Hypernet;

/// <summary>
/// What a hypernetwork trainer trains: a variant (<c>dihyfo1</c>, <c>dihyfo2</c>, <c>gpt</c>) at a size preset
/// (<c>tiny</c>, <c>cpu</c>, <c>paper</c>) on the sealed shards of one or more collection jobs.
/// </summary>
/// <param name="DatasetJobIds">Collection job ids; their sealed shards, read from the artifact store, are the training set.</param>
/// <param name="Steps">Optimiser steps; null keeps the preset's.</param>
/// <param name="Seed">Seed of the training; null keeps the preset's.</param>
/// <param name="EvaluateEvery">Steps between prompt-alignment evaluations (each publishes a version); null keeps the preset's.</param>
/// <param name="WarmStart">A published hypernetwork, <c>NAME@VERSION</c>, that a new training starts from: the tensors and
/// tokens both variants share (e.g. a DiHyFo-1 from a trained DiHyFo-2 of the same size); null starts from scratch.</param>
/// <remarks>The other nullable fields override the preset's value of the <c>HypernetOptions</c> property of the same name.</remarks>
[GenerateSerializer, Immutable, Alias("lethe.hypernet-training-request")]
public sealed record HypernetTrainingRequest(
    [property: Id(0)] string Variant,
    [property: Id(1)] string Preset,
    [property: Id(2)] string[] DatasetJobIds,
    [property: Id(3)] int? Steps = null,
    [property: Id(4)] int? Seed = null,
    [property: Id(5)] int? EvaluateEvery = null,
    [property: Id(6)] int? BatchSize = null,
    [property: Id(7)] double? LearningRate = null,
    [property: Id(8)] double? Balance = null,
    [property: Id(9)] string? Normalization = null,
    [property: Id(10)] string? LossWeighting = null,
    [property: Id(11)] double? EmaDecay = null,
    [property: Id(12)] double? LossFrequencyLog2 = null,
    [property: Id(13)] double? ConditionDropout = null,
    [property: Id(14)] double? Guidance = null,
    [property: Id(15)] int? Width = null,
    [property: Id(16)] int? Layers = null,
    [property: Id(17)] double? ScaleAugmentation = null,
    [property: Id(18)] double? ForgettingPairs = null,
    [property: Id(19)] double? TwinPairs = null,
    [property: Id(20)] double? CrossPairs = null,
    [property: Id(21)] bool? MeanBase = null,
    [property: Id(22)] string? WarmStart = null);
