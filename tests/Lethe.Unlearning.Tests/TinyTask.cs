using System.Runtime.CompilerServices;
using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

/// <summary>
/// MNIST-4 from the shipped digits (about 3,000 train and 800 test images) and its original model, trained once per
/// test run with the default recipe; small enough that every baseline runs in well under a second on one thread.
/// </summary>
public static class TinyTask
{
    public static TrainingRecipe Recipe { get; } = new();

    private static readonly Lazy<DigitsDataset> Digits = new(() => DigitsSource.Load("npm").For(TaskPreset.Mnist4));

    private static readonly Lazy<float[]> OriginalModel = new(() =>
        OriginalModelTrainer.Train(Split([2]).Train, TaskPreset.Mnist4.Architecture, Recipe, seed: 1));

    public static DigitsDataset Data => Digits.Value;

    public static float[] Original => OriginalModel.Value;

    public static ForgetSplit Split(int[] forget) => ForgetSplit.Create(Data, TaskPreset.Mnist4, forget);

    /// <summary>Runs <paramref name="method"/> on this thread (an <see cref="InlineUnlearningContext"/>), as a bench does.</summary>
    public static Task<UnlearningResult> Unlearn(IUnlearningMethod method, UnlearningRequest request) =>
        method.UnlearnAsync(request, new InlineUnlearningContext(), CancellationToken.None);

    /// <summary>One libtorch thread: these nets are tiny and the CI machine has two shared cores.</summary>
    [ModuleInitializer]
    internal static void OneTorchThread() => TorchSharp.torch.set_num_threads(1);
}
