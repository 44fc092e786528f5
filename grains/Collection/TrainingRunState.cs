using Lethe.Contracts.Collection;

namespace Lethe.Grains.Collection;

[GenerateSerializer, Alias("lethe.training-run-state")]
public sealed class TrainingRunState
{
    [Id(0)] public RunStatus Status { get; set; }

    [Id(1)] public int Checkpoints { get; set; }
}
