using System.Diagnostics;
using Lethe.ML.Evaluation;

namespace Lethe.ML.Unlearning;

/// <summary>
/// Runs one method on one request, times the unlearning step alone (on a silo, with its waits for compute threads),
/// evaluates the result against the retrained reference and assembles the report: the piece <see cref="UnlearningPipeline"/> (every request) and
/// <c>lethe bench unlearn</c> share.
/// </summary>
public static class UnlearningExperiment
{
    public static async Task<(UnlearningResult Result, UnlearningReport Report)> RunAsync(
        IUnlearningMethod method,
        UnlearningRequest request,
        UnlearningEvaluator evaluator,
        Reference retrained,
        IReadOnlyDictionary<string, int> seeds,
        string dataSource,
        ModelMetrics? original,
        IUnlearningContext context,
        CancellationToken cancellation)
    {
        request.Validated();
        var watch = Stopwatch.StartNew();
        var result = await method.UnlearnAsync(request, context, cancellation);
        var seconds = watch.Elapsed.TotalSeconds;
        context.Progress.Report(new UnlearningProgress("evaluating", 0));
        var metrics = await context.Compute(() => evaluator.Evaluate(result.Parameters, retrained.Parameters), cancellation);
        context.Progress.Report(new UnlearningProgress("evaluating", 1));
        var report = new UnlearningReport
        {
            Method = method.Name,
            Preset = request.Data.Preset.Name,
            Architecture = request.Layout.Architecture.ToString(),
            Forget = request.Forget,
            Retain = request.Data.Retain,
            ForgetSet = request.Data.Set.Name,
            ForgetSamples = request.Data.ForgetTrain.Count,
            DataTouched = Describe(result.Touched),
            HyperParameters = method.HyperParameters,
            Details = result.Details,
            Seeds = new Dictionary<string, int>(seeds)
            {
                ["method"] = request.Seed,
                ["retrained_init"] = retrained.Seed,
                ["validation_split"] = ForgetSplit.DefaultValidationSeed,
                ["mia_subsample"] = evaluator.MiaSeed,
            },
            DataSource = dataSource,
            ValidationFraction = ForgetSplit.DefaultValidationFraction,
            WallSeconds = seconds,
            Unlearned = metrics,
            Retrained = retrained.Metrics,
            Original = original,
        };
        return (result, report);
    }

    /// <summary>The retrained model every result is compared with, its init seed and its own metrics.</summary>
    public sealed record Reference(float[] Parameters, int Seed, ModelMetrics Metrics);

    /// <summary>"D_f", "D_r", "full D (D_r + D_f)", plus the validation split and checkpoint statistics when used.</summary>
    public static string Describe(DataAccess access)
    {
        var parts = new List<string>();
        if (access.HasFlag(DataAccess.Full))
        {
            parts.Add("full D (D_r + D_f)");
        }
        else if (access.HasFlag(DataAccess.Retain))
        {
            parts.Add("D_r only");
        }
        else if (access.HasFlag(DataAccess.Forget))
        {
            parts.Add("D_f only");
        }
        else
        {
            parts.Add("no training data");
        }

        if (access.HasFlag(DataAccess.Validation))
        {
            parts.Add("validation split");
        }

        if (access.HasFlag(DataAccess.CheckpointStatistics))
        {
            parts.Add("checkpoint-dataset loss statistics");
        }

        return string.Join(" + ", parts);
    }
}
