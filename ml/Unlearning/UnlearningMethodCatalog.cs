namespace Lethe.ML.Unlearning;

/// <summary>
/// The methods by the names the CLI and reports use. The baselines' defaults were picked from a small grid (learning
/// rate, momentum, α, epochs) run with seed 1 on every paper forget set of both presets, for forget accuracy at the
/// target with the least retain damage; the chosen values are in each method's constructor and every report.
/// </summary>
public static class UnlearningMethodCatalog
{
    /// <summary>Methods that need nothing but the request (and, for retrain, the training recipe).</summary>
    public static IReadOnlyList<string> Baselines { get; } = ["retrain", "finetune", "neggrad", "neggrad+", "randomlabel", "ssd", "tasknegation"];

    /// <summary>Methods that need a trained hypernetwork and the statistics of its checkpoint dataset.</summary>
    public static IReadOnlyList<string> HypernetMethods { get; } = ["dihyfo1", "dihyfo2"];

    /// <summary>Methods that need a trained InvWNN past-weight predictor (<c>lethe train --variant invwnn</c>).</summary>
    public static IReadOnlyList<string> PredictorMethods { get; } = ["invwnn"];

    public static IReadOnlyList<string> All { get; } = [.. Baselines, .. HypernetMethods, .. PredictorMethods];

    /// <summary><c>invwnn</c> with the predictor in <paramref name="fileOrFolder"/> (a predictor.bin or the training folder 'lethe train --variant invwnn' exported).</summary>
    public static InvWnn.InvWnnMethod CreateInvWnn(string fileOrFolder)
    {
        var file = Directory.Exists(fileOrFolder) ? Path.Combine(fileOrFolder, InvWnn.InvWnnTraining.PredictorFile) : fileOrFolder;
        return new InvWnn.InvWnnMethod(InvWnn.InvWnnPredictor.Load(file), Path.GetFullPath(file));
    }

    /// <summary>Throws with the accepted names when <paramref name="name"/> is none of them.</summary>
    public static string RequireKnown(string name)
    {
        var match = All.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
        return match ?? throw new ArgumentException($"Unknown unlearning method '{name}'; accepted: {string.Join(", ", All)}.");
    }

    /// <summary>
    /// Throws when <paramref name="method"/> cannot forget <paramref name="forget"/>: DiHyFo prompts per-class target
    /// losses, so it forgets classes only; every other method forgets classes and samples alike.
    /// </summary>
    public static void RequireServes(string method, Evaluation.ForgetSet forget)
    {
        if (!forget.ByClass && HypernetMethods.Contains(method, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"{method} samples a model from per-class target losses: it forgets classes, not individual samples ({forget.Name}). " +
                $"For samples use {string.Join(", ", All.Except(HypernetMethods))}.");
        }
    }

    public static IUnlearningMethod CreateBaseline(string name, TrainingRecipe? recipe = null) => RequireKnown(name) switch
    {
        "retrain" => new RetrainMethod(recipe),
        "finetune" => new FinetuneMethod(),
        "neggrad" => new NegGradMethod(),
        "neggrad+" => new NegGradPlusMethod(),
        "randomlabel" => new RandomLabelMethod(),
        "ssd" => new SsdMethod(),
        "tasknegation" => new TaskNegationMethod(),
        "invwnn" => throw new ArgumentException("invwnn needs a trained InvWNN predictor ('lethe train --variant invwnn'); it is not a baseline."),
        var other => throw new ArgumentException($"{other} needs a trained hypernetwork and its checkpoint dataset; it is not a baseline."),
    };
}
