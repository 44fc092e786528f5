using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lethe.ML.Data;

namespace Lethe.ML.Collection;

/// <summary>
/// Everything that determines a checkpoint dataset. Its <see cref="Id"/> is a hash of these values, so submitting the
/// same spec twice names the same job. Saving heuristics follow the HyperForget paper, Appendix A.5 / Fig. 25.
/// </summary>
public sealed record CollectionSpec
{
    public string Preset { get; init; } = "mnist4";

    /// <summary>"npm" or a folder of IDX files.</summary>
    public string Data { get; init; } = "npm";

    public int Runs { get; init; } = 256;

    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 64;

    public int Seed { get; init; } = 1;

    /// <summary>Per-run SGD learning rates are log-uniform in [min, max] (momentum 0.9, as G.pt's task nets).</summary>
    public double LearningRateMin { get; init; } = 0.02;

    public double LearningRateMax { get; init; } = 0.2;

    public double Momentum { get; init; } = 0.9;

    /// <summary>beta: probability that a training step is a candidate checkpoint (evaluated on the test split).</summary>
    public double SelectionProbability { get; init; } = 0.2;

    /// <summary>gamma: every pivot class must reach this test accuracy before a heuristic save (paper: 80%).</summary>
    public double PivotAccuracy { get; init; } = 0.8;

    /// <summary>Loss levels of each non-pivot class; a bin is one combination of levels.</summary>
    public double[] LossBinEdges { get; init; } = [0.05, 0.15, 0.4, 1.0, 2.5];

    public int MaxPerBin { get; init; } = 4;

    public int MaxCheckpointsPerRun { get; init; } = 48;

    /// <summary>Share of runs that save at random candidate steps (whole-trajectory coverage, paper A.5).</summary>
    public double RandomSaveRunFraction { get; init; } = 0.15;

    /// <summary>Probability of keeping a candidate in a random-save run.</summary>
    public double RandomSaveProbability { get; init; } = 0.3;

    /// <summary>Share of runs that drop some learned non-pivot classes mid-training (forgetting process).</summary>
    public double ForgettingRunFraction { get; init; } = 0.3;

    /// <summary>Per non-pivot class and run: probability that the run never sees the class.</summary>
    public double NeverLearnedProbability { get; init; } = 0.25;

    /// <summary>Per non-pivot class and run: probability that the class is undersampled (weight 0.01-0.3).</summary>
    public double UndersampleProbability { get; init; } = 0.35;

    public int RunsPerShard { get; init; } = 64;

    /// <summary>
    /// The defaults of a preset's datasets: its <see cref="NeverLearnedProbability"/> and <see cref="UndersampleProbability"/>
    /// differ by the number of non-pivot classes. A request to forget a set F of s of the k non-pivot classes wants nets
    /// that never learned F and fully learned every other class: a share never^s × (1 − never − undersample)^(k−s) of the
    /// runs. mnist4 (k = 2) keeps the defaults (for {2}: .25 × .4 = 10% of the runs). With mnist's k = 5 the same values
    /// leave .25 × .4⁴ = 0.6% for {2} (six runs of 1,024; the best never-learned-{2} net of such a dataset reached .89 mean
    /// retain accuracy on the test split, where retrain reaches .90-.91), so mnist draws more never-learned and fewer
    /// undersampled classes: .3 × .6⁴ = 3.9% for {2}, 1% for {2,3,4}, 0.24% for {0..4} (6, 4 and 2.5 times the
    /// defaults').
    /// </summary>
    public static CollectionSpec ForPreset(string preset) =>
        preset == "mnist" ? new CollectionSpec { Preset = preset, NeverLearnedProbability = 0.3, UndersampleProbability = 0.1 } : new CollectionSpec { Preset = preset };

    /// <summary>
    /// Pairs the runs: each odd run is the retrained twin of the run before it. A twin has that run's initialisation,
    /// learning rate, class weights and saving draws (and every run of a job shares the minibatch order), and is trained
    /// from its first step without some of that run's learned non-pivot classes: the ones it drops when it is a forgetting
    /// run, else a random non-empty subset. A twin is the exact unlearning of its run from the same start, the target a
    /// DiHyFo-1 request asks for (<c>lethe train --twin-pairs</c>). Off by default, and then left out of <see cref="Id"/>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool RetrainedTwins { get; init; }

    /// <summary>
    /// Keeps a trajectory per run instead of the heuristic checkpoints: the initialisation and the state after every
    /// epoch, all of them (the weight histories InvWNN trains on, <c>lethe collect --trajectories</c>). Candidate steps
    /// are then the epoch ends only. Off by default, and then left out of <see cref="Id"/>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Trajectories { get; init; }

    /// <summary>Pivot classes; null means the preset's own (mnist4: 0,1; mnist: 5-9).</summary>
    public int[]? Pivots { get; init; }

    [JsonIgnore]
    public TaskPreset Task => Pivots is null ? TaskPreset.Get(Preset) : TaskPreset.Get(Preset).WithPivots(Pivots);

    [JsonIgnore]
    public int ShardCount => (Runs + RunsPerShard - 1) / RunsPerShard;

    /// <summary>Hash of the spec: 16 hex digits of SHA-256 over its JSON.</summary>
    [JsonIgnore]
    public string Id => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this))))[..16];

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The spec <see cref="ToJson"/> wrote (e.g. into a shard's metadata).</summary>
    /// <exception cref="InvalidDataException">Not a collection spec.</exception>
    public static CollectionSpec FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<CollectionSpec>(json) ?? throw new InvalidDataException("An empty collection spec.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Not a collection spec: {e.Message}", e);
        }
    }

    /// <summary>Throws with what was wrong and what is accepted.</summary>
    public CollectionSpec Validated()
    {
        _ = Task;
        Require(Runs >= 1, $"--runs must be at least 1; got {Runs}.");
        Require(Epochs >= 1, $"--epochs must be at least 1; got {Epochs}.");
        Require(BatchSize >= 1, $"batch size must be at least 1; got {BatchSize}.");
        Require(LearningRateMin > 0 && LearningRateMax >= LearningRateMin, $"learning rates must satisfy 0 < min <= max; got [{LearningRateMin}, {LearningRateMax}].");
        Require(SelectionProbability is > 0 and <= 1, $"selection probability beta must be in (0, 1]; got {SelectionProbability}.");
        Require(PivotAccuracy is >= 0 and <= 1, $"pivot accuracy gamma must be in [0, 1]; got {PivotAccuracy}.");
        Require(MaxCheckpointsPerRun >= 1 && MaxPerBin >= 1, "checkpoint limits must be at least 1.");
        Require(RunsPerShard >= 1, $"runs per shard must be at least 1; got {RunsPerShard}.");
        Require(NeverLearnedProbability is >= 0 and <= 1 && UndersampleProbability is >= 0 and <= 1 && NeverLearnedProbability + UndersampleProbability <= 1,
            $"--never-learned and --undersample are probabilities per class that sum to at most 1; got {NeverLearnedProbability} and {UndersampleProbability}.");
        Require(LossBinEdges.Zip(LossBinEdges.Skip(1)).All(p => p.First < p.Second), "loss bin edges must be increasing.");
        return this;
    }

    /// <summary>The runs of the job. A run's spec depends only on this spec and the run's index.</summary>
    public IReadOnlyList<RunSpec> PlanRuns() => Enumerable.Range(0, Runs).Select(PlanRun).ToList();

    public RunSpec PlanRun(int index)
    {
        if (RetrainedTwins && index % 2 == 1)
        {
            return TwinOf(PlanRun(index - 1), index);
        }

        var task = Task;
        var rng = new Random(unchecked((Seed * 1_000_003) + index));
        var weights = task.Classes.Select(_ => 1f).ToArray();
        foreach (var c in task.NonPivots)
        {
            var u = rng.NextDouble();
            if (u < NeverLearnedProbability)
            {
                weights[c] = 0;
            }
            else if (u < NeverLearnedProbability + UndersampleProbability)
            {
                weights[c] = (float)Math.Exp(LogUniform(rng, Math.Log(0.01), Math.Log(0.3)));
            }
        }

        var learned = task.NonPivots.Where(c => weights[c] > 0).ToArray();
        var drop = Array.Empty<int>();
        var dropFrom = -1;
        if (learned.Length > 0 && rng.NextDouble() < ForgettingRunFraction)
        {
            drop = learned.Where(_ => rng.NextDouble() < 0.5).ToArray();
            if (drop.Length == 0)
            {
                drop = [learned[rng.Next(learned.Length)]];
            }

            dropFrom = Math.Max(1, rng.Next(Epochs / 3, Math.Max(Epochs / 3 + 1, 2 * Epochs / 3 + 1)));
        }

        var lr = Math.Exp(LogUniform(rng, Math.Log(LearningRateMin), Math.Log(LearningRateMax)));
        var randomSaves = rng.NextDouble() < RandomSaveRunFraction;
        return new RunSpec(index, rng.Next(), lr, weights, drop, dropFrom, randomSaves);
    }

    private RunSpec TwinOf(RunSpec run, int index)
    {
        var drop = run.DropClasses;
        if (drop.Length == 0)
        {
            var rng = new Random(unchecked((Seed * 1_000_003) + index));
            var learned = Task.NonPivots.Where(c => run.ClassWeights[c] > 0).ToArray();
            drop = learned.Where(_ => rng.NextDouble() < 0.5).ToArray();
            if (drop.Length == 0 && learned.Length > 0)
            {
                drop = [learned[rng.Next(learned.Length)]];
            }
        }

        return run with { Index = index, DropClasses = drop, DropFromEpoch = drop.Length > 0 ? 0 : -1 };
    }

    /// <summary>Runs [first, last] of shard <paramref name="shard"/>.</summary>
    public (int First, int Last) ShardRuns(int shard) =>
        (shard * RunsPerShard, Math.Min(Runs, (shard + 1) * RunsPerShard) - 1);

    public static string ShardName(int shard) => $"shard-{shard:D5}.safetensors";

    private static double LogUniform(Random rng, double lo, double hi) => lo + (rng.NextDouble() * (hi - lo));

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
