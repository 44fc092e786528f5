namespace Lethe.Grains.Hypernet;

/// <summary>The durable checkpoint of a training: an archive of its folder in the artifact store.</summary>
[GenerateSerializer, Alias("lethe.hypernet-training-checkpoint")]
public sealed record TrainingCheckpoint(
    [property: Id(0)] string Key,
    [property: Id(1)] string Sha256,
    [property: Id(2)] int Step);
