using System.CommandLine;
using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Nets;
using Lethe.ML.Unlearning;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe train-original</c>: trains the model to be unlearned with <see cref="OriginalModelTrainer"/>'s recipe on D (the train
/// split minus the validation carve-out) and writes it as a safetensors state dict for <c>lethe unlearn</c>.
/// </summary>
public static class TrainOriginalCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Model file to write (.safetensors).", Required = true };
        var command = new Command("train-original", "Train a preset's task net (the model to unlearn) on its train split (deterministic by seed; redone from another initialisation, up to 5 times, while a class stays below 50% train accuracy) and save it as safetensors.")
        {
            CollectCommand.Preset, UnlearnCommand.Seed, CollectCommand.Data, output,
        };
        command.SetAction((result, cancellation) => CliAction.Run(() => Task.Run(() =>
        {
            UnlearnCommand.UseOneTorchThread();
            var preset = TaskPreset.Get(result.GetValue(CollectCommand.Preset)!);
            var seed = result.GetValue(UnlearnCommand.Seed);
            var data = DigitsSource.Load(result.GetValue(CollectCommand.Data)!, log: m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]")).For(preset);
            var split = ForgetSplit.Create(data, preset, [preset.NonPivots[0]]);
            var recipe = new TrainingRecipe();
            var trained = OriginalModelTrainer.TrainEveryClass(split.Train, preset.Architecture, recipe, seed, cancellation);
            var parameters = trained.Parameters;
            var path = result.GetValue(output)!;
            MlpFile.Save(path, ParameterLayout.For(preset.Architecture), parameters, new Dictionary<string, string>
            {
                ["lethe.preset"] = preset.Name,
                ["lethe.seed"] = seed.ToString(),
                ["lethe.init_seed"] = trained.Seed.ToString(),
                ["lethe.trainings"] = trained.Attempts.ToString(),
                ["lethe.recipe"] = string.Join(";", recipe.Describe().Select(p => $"{p.Key}={p.Value}")),
            });
            using var evaluator = new UnlearningEvaluator(split);
            AnsiConsole.MarkupLine($"{preset.Name} {preset.Architecture} trained on {split.Train.Count} samples (seed {seed}): test accuracy {evaluator.Evaluate(parameters).AccuracyTest:F4}, worst class {trained.LowestClassAccuracy:P1} on train" +
                (trained.Attempts > 1 ? $" after {trained.Attempts} trainings (kept init seed {trained.Seed})" : ""));
            AnsiConsole.MarkupLine($"model: {Markup.Escape(path)}");
            return 0;
        }, cancellation)));
        return command;
    }
}
