using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Storage;

namespace Lethe.ML.Unlearning;

/// <summary>
/// A trained DiHyFo hypernetwork ready to unlearn: the model, the target-loss prompt derived from the checkpoint
/// dataset it was trained on (<see cref="TargetLossPrompt"/>), and the <see cref="DiHyFoMethod"/> over both. Everything a
/// request could get wrong (missing files, another variant, preset or architecture) is checked in <see cref="Load"/>,
/// before any unlearning work starts.
/// </summary>
public sealed class DiHyFoHypernet : IDisposable
{
    private readonly IRetrainLikeCheckpoints _reference;
    private readonly int _candidates;

    private DiHyFoHypernet(HypernetModel model, string modelPath, TargetLossPrompt prompt, IRetrainLikeCheckpoints reference, string checkpoints, string checkpointIdentity, int candidates, int steps, IReadOnlyList<double>? guidance)
    {
        Model = model;
        ModelPath = modelPath;
        Prompt = prompt;
        Checkpoints = checkpoints;
        CheckpointIdentity = checkpointIdentity;
        Sampler = new HypernetParameterSampler(model, steps, guidance: guidance);
        _reference = reference;
        _candidates = candidates;
        Method = MethodWith(Sampler);
    }

    public HypernetModel Model { get; }

    public string ModelPath { get; }

    public TargetLossPrompt Prompt { get; }

    public string Checkpoints { get; }

    public string CheckpointIdentity { get; }

    public HypernetParameterSampler Sampler { get; }

    public DiHyFoMethod Method { get; }

    /// <summary>
    /// The same method (prompt, never-learned reference, candidates, provenance) drawing its candidates from
    /// <paramref name="sampler"/> instead of this process's model, e.g. sampler grains that follow <see cref="Sampler"/>'s
    /// plan.
    /// </summary>
    public DiHyFoMethod MethodWith(ICandidateSampler sampler, int rounds = 1) =>
        new(Model.Variant == HypernetVariant.Dihyfo1 ? 1 : 2, sampler, Prompt, _candidates, Provenance, _reference, rounds: rounds);

    /// <summary>Facts recorded in reports beside the method's hyper-parameters.</summary>
    public IReadOnlyDictionary<string, string> Provenance => new Dictionary<string, string>
    {
        ["hypernet"] = ModelPath,
        ["hypernet_options"] = $"{Model.Options.Variant}/{Model.Options.Preset} (d={Model.Options.Width}, {Model.Options.Layers} layers)",
        ["hypernet_dataset"] = Model.Metadata.GetValueOrDefault("dataset", "unknown"),
        ["hypernet_step"] = Model.Metadata.GetValueOrDefault("step", "unknown"),
        ["prompt_checkpoints"] = $"{Checkpoints} ({CheckpointIdentity})",
        ["sampler"] = $"{Sampler.Sampler}-{Sampler.Steps}, guidance {string.Join(", ", Sampler.Guidances)}, batches of {Sampler.BatchSize}",
    };

    /// <summary>
    /// Resolves <paramref name="hypernet"/> (a model.safetensors, or a training folder: its best version), loads it and
    /// the checkpoint folder, and checks both against <paramref name="method"/> and <paramref name="preset"/>.
    /// </summary>
    public static DiHyFoHypernet Load(string method, string hypernet, string checkpoints, TaskPreset preset, int candidates = 64, int steps = 50, double forgetQuantile = TargetLossPrompt.DefaultForgetQuantile, IReadOnlyList<double>? guidance = null,
        double retainQuantile = TargetLossPrompt.DefaultRetainQuantile)
    {
        RequireMethod(method, candidates);
        var modelPath = ResolveModel(method, hypernet);
        if (!File.Exists(Path.Combine(checkpoints, "manifest.json")))
        {
            throw new FileNotFoundException($"{method} derives its target losses from the hypernetwork's checkpoint dataset: '{checkpoints}' is not a checkpoint folder (no manifest.json); pass the folder 'lethe collect --out' wrote.");
        }

        var dataset = CheckpointDataset.Open(checkpoints);
        return Load(method, modelPath, dataset.Statistics(), checkpoints, dataset.Identity, preset, candidates, steps, forgetQuantile, guidance, retainQuantile);
    }

    /// <summary>
    /// As the folder overload, with the checkpoint dataset already in memory (a platform reads it from its artifact
    /// store); <paramref name="checkpointsSource"/> names it in messages and reports.
    /// </summary>
    public static DiHyFoHypernet Load(string method, string hypernet, CheckpointBatch checkpoints, TaskPreset checkpointTask, string checkpointsSource, string checkpointIdentity,
        TaskPreset preset, int candidates = 64, int steps = 50, double forgetQuantile = TargetLossPrompt.DefaultForgetQuantile, IReadOnlyList<double>? guidance = null,
        double retainQuantile = TargetLossPrompt.DefaultRetainQuantile)
    {
        return Load(method, hypernet, DatasetStatistics.Of(checkpoints, checkpointTask), checkpointsSource, checkpointIdentity, preset, candidates, steps, forgetQuantile, guidance, retainQuantile);
    }

    /// <summary>
    /// As above, with the dataset given by its statistics (<see cref="DatasetStatistics"/>, what a request grain reads:
    /// no shard); <paramref name="checkpointsSource"/> names the dataset in messages and reports.
    /// </summary>
    public static DiHyFoHypernet Load(string method, string hypernet, DatasetStatistics checkpoints, string checkpointsSource, string checkpointIdentity,
        TaskPreset preset, int candidates = 64, int steps = 50, double forgetQuantile = TargetLossPrompt.DefaultForgetQuantile, IReadOnlyList<double>? guidance = null,
        double retainQuantile = TargetLossPrompt.DefaultRetainQuantile)
    {
        RequireMethod(method, candidates);
        var modelPath = ResolveModel(method, hypernet);
        var model = HypernetModel.Load(modelPath);
        try
        {
            if (model.Variant.Name != method)
            {
                throw new ArgumentException($"{modelPath} is a {model.Variant} hypernetwork; --method {method} needs a {method} one.");
            }

            var task = model.Metadata.GetValueOrDefault("task");
            if (task != preset.Name || model.Layout.Architecture != preset.Architecture)
            {
                throw new InvalidDataException($"{modelPath} samples {task ?? "unknown-task"} nets ({model.Layout.Architecture}); the model to unlearn is {preset.Name} ({preset.Architecture}).");
            }

            if (checkpoints.Task != preset.Name || checkpoints.ParameterCount != model.Layout.Count)
            {
                throw new InvalidDataException($"{checkpointsSource} holds {checkpoints.Task} checkpoints ({checkpoints.ParameterCount} parameters); the request is {preset.Name} ({model.Layout.Count} parameters).");
            }

            var prompt = TargetLossPrompt.FromStatistics(checkpoints, retainQuantile, forgetQuantile);
            return new DiHyFoHypernet(model, modelPath, prompt, checkpoints, checkpointsSource, checkpointIdentity, candidates, steps, guidance);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static void RequireMethod(string method, int candidates)
    {
        if (!UnlearningMethodCatalog.HypernetMethods.Contains(method))
        {
            throw new ArgumentException($"'{method}' is not a hypernetwork method; accepted: {string.Join(", ", UnlearningMethodCatalog.HypernetMethods)}.");
        }

        if (candidates < 1)
        {
            throw new ArgumentException($"DiHyFo needs at least one candidate; got {candidates}.");
        }
    }

    private static string ResolveModel(string method, string hypernet)
    {
        try
        {
            return TrainingFolder.ResolveModel(hypernet);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"{method} needs a trained {method} hypernetwork ('lethe train --variant {method}' writes one): {e.Message}", e);
        }
    }

    public void Dispose() => Model.Dispose();
}
