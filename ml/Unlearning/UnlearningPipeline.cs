using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Nets;

namespace Lethe.ML.Unlearning;

/// <summary>
/// The one orchestration of an unlearning request, whoever hosts it (the request grain on a silo, a local tool): on a
/// compute thread, load the digits, carve the forget split, retrain the reference on D_r unless one is given and
/// measure it and the original; then run the method (which places its own tensor work through the context); then, on a
/// compute thread again, measure the unlearned model and build the report (<see cref="UnlearningExperiment"/>).
/// Progress stages: <c>loading data</c>, <c>retraining the reference</c>, the method's own, <c>evaluating</c>.
/// </summary>
public static class UnlearningPipeline
{
    public const string LoadingData = "loading data";

    public const string RetrainingReference = "retraining the reference";

    public static async Task<UnlearningPipelineOutput> RunAsync(UnlearningPipelineInput input, IUnlearningContext context, CancellationToken cancellation)
    {
        Validate(input);
        var progress = context.Progress;
        progress.Report(new UnlearningProgress(LoadingData, 0));
        // The evaluator holds tensors from the first compute call to the last: made outside any dispose scope, disposed
        // here whatever happens in between.
        UnlearningEvaluator? evaluator = null;
        try
        {
            var prepared = await context.Compute(() =>
            {
                var data = DigitsSource.Load(input.DataSource).For(input.Task);
                var split = ForgetSplit.Create(data, input.Task, input.Forget);
                var request = new UnlearningRequest(input.Original, split, input.Seed, StoppingTarget(split, input.Original)).Validated();
                evaluator = new UnlearningEvaluator(split);
                progress.Report(new UnlearningProgress(LoadingData, 1));
                var reference = input.Reference;
                if (reference is null)
                {
                    var retraining = new Restaged(progress, RetrainingReference);
                    retraining.Report(new UnlearningProgress(RetrainingReference, 0));
                    reference = new RetrainMethod().Unlearn(request, retraining, cancellation).Parameters;
                }

                var retrained = new UnlearningExperiment.Reference(reference, RetrainMethod.FreshSeed(input.Seed), evaluator.Evaluate(reference, reference));
                return (data.Source, request, retrained, Original: evaluator.Evaluate(input.Original, reference));
            }, cancellation);
            var (result, report) = await UnlearningExperiment.RunAsync(
                input.Method, prepared.request, evaluator!, prepared.retrained, new Dictionary<string, int>(), prepared.Source, prepared.Original, context, cancellation);
            return new UnlearningPipelineOutput(result.Parameters, report, prepared.retrained.Parameters, ReferenceTrained: input.Reference is null);
        }
        finally
        {
            evaluator?.Dispose();
        }
    }

    /// <summary>
    /// The forget accuracy a stopping rule aims at when no retrained model may be consulted: 0 for classes; for samples,
    /// the original model's accuracy on the validation split, data it never trained on (a forgotten sample should look
    /// like one never seen).
    /// </summary>
    public static double StoppingTarget(ForgetSplit split, float[] original)
    {
        if (!split.BySample)
        {
            return 0;
        }

        using var probe = new ValidationProbe(split);
        return probe.Accuracy(original).Retain;
    }

    /// <summary>Everything that needs no data, checked before the digits load (messages say what is accepted).</summary>
    private static void Validate(UnlearningPipelineInput input)
    {
        input.Forget.Validated(input.Task);
        UnlearningMethodCatalog.RequireServes(input.Method.Name, input.Forget);
        var layout = ParameterLayout.For(input.Task.Architecture);
        if (input.Original.Length != layout.Count)
        {
            throw new ArgumentException($"The model has {input.Original.Length} parameters; a {layout.Architecture} MLP of preset {input.Task.Name} has {layout.Count}.");
        }

        if (input.Reference is { } reference && reference.Length != layout.Count)
        {
            throw new ArgumentException($"The stored retrained reference has {reference.Length} parameters; a {layout.Architecture} MLP of preset {input.Task.Name} has {layout.Count}.");
        }
    }

    /// <summary>A method's progress shown under another stage (retrain's epochs as the reference's).</summary>
    private sealed class Restaged(IProgress<UnlearningProgress> inner, string stage) : IProgress<UnlearningProgress>
    {
        public void Report(UnlearningProgress value) => inner.Report(value with { Stage = stage });
    }
}
