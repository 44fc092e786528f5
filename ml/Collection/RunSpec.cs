namespace Lethe.ML.Collection;

/// <summary>
/// One training run of a collection job. <paramref name="ClassWeights"/> undersample classes per run (0 = the run never
/// sees that class, so its checkpoints never learn it); <paramref name="DropClasses"/> are removed from training from
/// epoch <paramref name="DropFromEpoch"/> on (-1: never), which records the forgetting process DiHyFo-1 learns from
/// (paper A.5, Fig. 24). <paramref name="RandomSaves"/> runs save at random steps instead of by the loss-bin heuristics.
/// </summary>
public sealed record RunSpec(
    int Index,
    int Seed,
    double LearningRate,
    float[] ClassWeights,
    int[] DropClasses,
    int DropFromEpoch,
    bool RandomSaves)
{
    /// <summary>The class weights in effect during <paramref name="epoch"/>.</summary>
    public float[] WeightsAt(int epoch)
    {
        var weights = (float[])ClassWeights.Clone();
        if (DropFromEpoch >= 0 && epoch >= DropFromEpoch)
        {
            foreach (var c in DropClasses)
            {
                weights[c] = 0;
            }
        }

        return weights;
    }
}
