namespace Lethe.Contracts.Hypernet;

/// <summary>
/// What a training request resolves to on the silos: the preset's options with the request's overrides.
/// <paramref name="OptionsId"/> hashes every option, so a name or folder that carries it changes with the recipe.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.hypernet-training-plan")]
public sealed record HypernetTrainingPlan(
    [property: Id(0)] string OptionsId,
    [property: Id(1)] string Variant,
    [property: Id(2)] string Preset,
    [property: Id(3)] int Steps,
    [property: Id(4)] int Width,
    [property: Id(5)] int Layers,
    [property: Id(6)] int Heads,
    [property: Id(7)] double ForgettingPairs,
    [property: Id(8)] double TwinPairs);
