using Lethe.ML.InvWnn;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Unlearning;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe bench unlearn</c>: for each of the paper's forget sets, the original model, the retrained reference, a second
/// retrained model (how far two exact unlearnings differ), and every baseline, all measured in one run against the
/// same retrained model and printed beside the HyperForget paper's Tables 1-4 (docs/paper-tables.md), with wall times.
/// </summary>
public static class BenchUnlearnCommand
{
    /// <summary>The forget sets of the paper (§4, Appendix A.1).</summary>
    public static IReadOnlyList<int[]> PaperForgetSets(TaskPreset preset) => preset.Name switch
    {
        "mnist4" => [[2], [2, 3]],
        "mnist" => [[2], [2, 3, 4], [0, 1, 2, 3, 4]],
        _ => [[preset.NonPivots[0]]],
    };

    public static Command Create()
    {
        var forget = new Option<string[]>("--forget") { Description = "A forget set (comma-separated non-pivot classes) instead of the paper's; repeat for several (--forget 2 --forget 2,3).", AllowMultipleArgumentsPerToken = false };
        var forgetFraction = new Option<double[]>("--forget-fraction") { Description = "Random-sample forgetting: forget this fraction of D (each seed draws its own samples), reported with the InvWNN paper's RA, UA, TA and MIA-efficacy; repeat for several (--forget-fraction 0.1 --forget-fraction 0.5).", AllowMultipleArgumentsPerToken = false };
        var trainSamples = new Option<int?>("--train-samples") { Description = "Train every model on a stratified subset of this many samples of the preset's train split (e.g. 1000 with --epochs 100: a model that memorises its training data, so random-sample forgetting is measurable)." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs of the original and retrained models (default: the recipe's 10)." };
        var methods = new Option<string>("--methods") { Description = $"Comma-separated methods besides retrain; accepted: {string.Join(", ", UnlearningMethodCatalog.Baselines.Skip(1))}, invwnn (with --invwnn).", DefaultValueFactory = _ => string.Join(",", UnlearningMethodCatalog.Baselines.Skip(1)) };
        var seeds = new Option<int>("--seeds") { Description = "Seeds (original model, retrain, method randomness); figures are mean ± std over them.", DefaultValueFactory = _ => 1 };
        var seedFrom = new Option<int>("--seed-from") { Description = "The first seed: --seeds 10 --seed-from 11 uses seeds 11-20 (choose a recipe on some seeds, judge it on others).", DefaultValueFactory = _ => 1 };
        var dihyfo1 = new Option<string?>("--dihyfo1") { Description = "A trained DiHyFo-1 hypernetwork (model.safetensors or training folder): adds dihyfo1 rows." };
        var dihyfo2 = new Option<string?>("--dihyfo2") { Description = "A trained DiHyFo-2 hypernetwork (model.safetensors or training folder): adds dihyfo2 rows." };
        var invwnn = new Option<string?>("--invwnn") { Description = "A trained InvWNN predictor (predictor.bin or the training folder of 'lethe train --variant invwnn'): needed when --methods names invwnn." };
        var rounds = new Option<int>("--dihyfo1-rounds") { Description = "DiHyFo-1 applied recursively: each round's selected model is the next round's current model (G.pt's recursive prompting).", DefaultValueFactory = _ => 1 };
        var samples = new Option<int>("--samples") { Description = "Sampled unlearned models per DiHyFo variant and forget set, averaged (the paper's Tables 1-4: 5).", DefaultValueFactory = _ => 5 };
        var reports = new Option<string?>("--reports") { Description = "Also write a report (JSON, Markdown, PNG) per method, forget set and seed into this folder." };
        var candidatesOut = new Option<string?>("--candidates-out") { Description = "dihyfo1/dihyfo2: also write every sampled candidate of every request to this JSON file, with the validation figures the selection read and its figures against the retrained model (acc_Df, acc_Dr, MIA, phi), to study selection rules." };
        var command = new Command("unlearn", "Baselines vs the retrained model on the paper's forget sets, beside the paper's Tables 1-4, with wall times.")
        {
            CollectCommand.Preset, forget, forgetFraction, trainSamples, epochs, methods, seeds, seedFrom, dihyfo1, rounds, dihyfo2, invwnn, UnlearnCommand.Checkpoints, UnlearnCommand.Candidates, UnlearnCommand.ForgetQuantile, UnlearnCommand.RetainQuantile, UnlearnCommand.Guidance, samples, CollectCommand.Data, reports, BenchCommand.Json, candidatesOut,
        };
        command.SetAction((result, cancellation) => CliAction.Run(() => Task.Run(async () =>
        {
            UnlearnCommand.UseOneTorchThread();
            var preset = TaskPreset.Get(result.GetValue(CollectCommand.Preset)!);
            var classSets = result.GetValue(forget) is { Length: > 0 } texts
                ? texts.Select(CollectCommand.ParseClasses).DistinctBy(set => string.Join(",", set.Order())).ToArray()
                : [];
            var fractions = result.GetValue(forgetFraction) ?? [];
            var forgetSets = (classSets.Length == 0 && fractions.Length == 0 ? PaperForgetSets(preset) : classSets).Select(BenchForget.OfClasses)
                .Concat(fractions.Distinct().Select(BenchForget.OfFraction)).ToArray();
            foreach (var set in forgetSets)
            {
                set.For(1).Validated(preset);
            }

            var recipe = result.GetValue(epochs) is { } epochCount
                ? epochCount >= 1 ? new TrainingRecipe(Epochs: epochCount) : throw new ArgumentException($"--epochs must be at least 1; got {epochCount}.")
                : new TrainingRecipe();

            var methodNames = result.GetValue(methods)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(UnlearningMethodCatalog.RequireKnown).Where(n => n != "retrain").ToArray();
            var hypernet = methodNames.Where(UnlearningMethodCatalog.HypernetMethods.Contains).ToArray();
            if (hypernet.Length > 0)
            {
                throw new ArgumentException($"{string.Join(", ", hypernet)} rows come from trained hypernetworks: pass --dihyfo1 / --dihyfo2 MODEL and --checkpoints DIR instead of naming them in --methods.");
            }

            InvWnnMethod? invwnnMethod = null;
            if (methodNames.Contains("invwnn"))
            {
                invwnnMethod = result.GetValue(invwnn) is { } predictorPath
                    ? UnlearningMethodCatalog.CreateInvWnn(predictorPath)
                    : throw new ArgumentException("invwnn rewinds with a trained predictor: pass --invwnn (predictor.bin or the training folder of 'lethe train --variant invwnn').");
            }

            var sampleCount = result.GetValue(samples);
            if (sampleCount < 1)
            {
                throw new ArgumentException($"--samples must be at least 1; got {sampleCount}.");
            }

            // Hypernetworks are loaded and checked against the preset before any model is trained.
            var hypernets = new List<DiHyFoHypernet>();
            foreach (var (name, path) in new[] { ("dihyfo1", result.GetValue(dihyfo1)), ("dihyfo2", result.GetValue(dihyfo2)) })
            {
                if (path is not null)
                {
                    foreach (var set in forgetSets)
                    {
                        UnlearningMethodCatalog.RequireServes(name, set.For(1));
                    }

                    hypernets.Add(UnlearnCommand.LoadHypernet(name, path, result.GetValue(UnlearnCommand.Checkpoints), preset, result.GetValue(UnlearnCommand.Candidates), result.GetValue(UnlearnCommand.ForgetQuantile), result.GetValue(UnlearnCommand.RetainQuantile), UnlearnCommand.ParseGuidance(result.GetValue(UnlearnCommand.Guidance)))!);
                }
            }

            var seedCount = result.GetValue(seeds);
            if (seedCount < 1)
            {
                throw new ArgumentException($"--seeds must be at least 1; got {seedCount}.");
            }

            var firstSeed = result.GetValue(seedFrom);
            if (firstSeed < 1)
            {
                throw new ArgumentException($"--seed-from must be at least 1; got {firstSeed}.");
            }

            try
            {
                var candidatesPath = result.GetValue(candidatesOut);
                var candidateLog = candidatesPath is null ? null : new List<CandidateRequest>();
                var rows = await RunAsync(preset, forgetSets, methodNames, seedCount, result.GetValue(CollectCommand.Data)!, result.GetValue(reports), cancellation, hypernets, sampleCount, invwnnMethod, firstSeed,
                    recipe, result.GetValue(trainSamples), result.GetValue(rounds), candidateLog);
                Print(preset, forgetSets, rows, seedCount, hypernets.Count > 0 ? sampleCount : 0, firstSeed);
                if (result.GetValue(BenchCommand.Json) is { } json)
                {
                    WriteJson(json, preset, forgetSets, rows);
                }

                if (candidatesPath is not null)
                {
                    JsonOutput.Write(candidatesPath, new Dictionary<string, object> { ["preset"] = preset.Name, ["requests"] = candidateLog! }, UnlearningReport.Json, "candidates");
                }
            }
            finally
            {
                hypernets.ForEach(h => h.Dispose());
            }

            return 0;
        }, cancellation)));
        return command;
    }

    /// <summary>
    /// Every candidate of one best-of-N request (<c>--candidates-out</c>): what the selection read on the validation split
    /// and each candidate's figures against the seed's retrained model, so other selection rules can be replayed offline.
    /// </summary>
    public sealed record CandidateRequest(string Forget, string Method, int Seed, int SamplingSeed, int Selected, double RetrainAccuracyRetain, double RetrainMia, IReadOnlyList<CandidateFigures> Candidates)
    {
        public static CandidateRequest Of(string forget, string method, int seed, int samplingSeed, UnlearningResult result, IReadOnlyList<ModelMetrics> metrics, ModelMetrics retrained) =>
            new(forget, method, seed, samplingSeed, (int)result.Details["selected_candidate"], retrained.AccuracyRetainTrain, retrained.Mia,
                result.Candidates!.Zip(metrics, (c, m) => new CandidateFigures(c.ValidationForgetAccuracy, c.ValidationRetainAccuracy, c.DivergenceToNeverLearned,
                    m.AccuracyForgetTrain, m.AccuracyRetainTrain, m.Mia, m.UnlearningScore)).ToArray());
    }

    /// <summary>One candidate: its validation figures (what the selection read) and its figures against the retrained model.</summary>
    public sealed record CandidateFigures(double ValidationForgetAccuracy, double ValidationRetainAccuracy, double? ValidationDivergenceToNeverLearned,
        double AccuracyForgetTrain, double AccuracyRetainTrain, double Mia, double? Phi);

    /// <summary>One measured model: which forget set (by name), method and seed, its metrics against the retrained reference, its wall time.</summary>
    public sealed record BenchRow(string Forget, string Method, int Seed, ModelMetrics Metrics, double WallSeconds);

    /// <summary>A forget set of the bench: classes, or a fraction of D that each seed draws anew.</summary>
    public sealed record BenchForget(int[] ClassSet, double? Fraction)
    {
        public static BenchForget OfClasses(int[] classes) => new(classes.Distinct().Order().ToArray(), null);

        public static BenchForget OfFraction(double fraction) => new([], fraction);

        public ForgetSet For(int seed) => Fraction is { } f ? ForgetSet.OfFraction(f, seed) : ForgetSet.OfClasses(ClassSet);

        public string Name => For(1).Name;
    }

    /// <summary>Every model of the bench, one after another on this thread (<see cref="InlineUnlearningContext"/>), so wall times do not overlap.</summary>
    public static async Task<List<BenchRow>> RunAsync(
        TaskPreset preset,
        IReadOnlyList<BenchForget> forgetSets,
        IReadOnlyList<string> methods,
        int seeds,
        string dataSource,
        string? reportFolder,
        CancellationToken cancellation,
        IReadOnlyList<DiHyFoHypernet>? hypernets = null,
        int samples = 5,
        IUnlearningMethod? invwnn = null,
        int firstSeed = 1,
        TrainingRecipe? trainingRecipe = null,
        int? trainSamples = null,
        int dihyfo1Rounds = 1,
        List<CandidateRequest>? candidateLog = null)
    {
        var data = DigitsSource.Load(dataSource, log: m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]")).For(preset);
        if (trainSamples is { } count)
        {
            data = data.WithTrainSamples(count);
        }

        var recipe = trainingRecipe ?? new TrainingRecipe();
        var context = new InlineUnlearningContext();
        var rows = new List<BenchRow>();
        for (var seed = firstSeed; seed < firstSeed + seeds; seed++)
        {
            // D (train split minus the validation carve-out) does not depend on the forget set: one original per seed.
            var train = ForgetSplit.Create(data, preset, forgetSets[0].For(seed)).Train;
            var watch = Stopwatch.StartNew();
            var trained = OriginalModelTrainer.TrainEveryClass(train, preset.Architecture, recipe, seed, cancellation);
            var original = trained.Parameters;
            AnsiConsole.MarkupLine($"seed {seed}: original {preset.Architecture} trained on {train.Count} samples ({recipe.Epochs} epochs) in {watch.Elapsed.TotalSeconds:F1} s" +
                (trained.Attempts > 1 ? $" ({trained.Attempts} trainings: a class stayed below {recipe.MinClassAccuracy:P0} train accuracy; kept init seed {trained.Seed}, worst class {trained.LowestClassAccuracy:P1})" : ""));
            foreach (var benchForget in forgetSets)
            {
                cancellation.ThrowIfCancellationRequested();
                var split = ForgetSplit.Create(data, preset, benchForget.For(seed));
                using var evaluator = new UnlearningEvaluator(split);
                var forget = benchForget.Name;

                var retrain = new RetrainMethod(recipe);
                watch.Restart();
                var reference = retrain.Unlearn(new UnlearningRequest(original, split, seed), null, cancellation).Parameters;
                var retrainSeconds = watch.Elapsed.TotalSeconds;
                var referenceMetrics = evaluator.Evaluate(reference, reference);
                // The InvWNN paper's stopping rule: forget accuracy down to the retrained model's (0 for forgotten classes).
                var target = split.BySample ? referenceMetrics.AccuracyForgetTrain : 0;
                var retrained = new UnlearningExperiment.Reference(reference, RetrainMethod.FreshSeed(seed), referenceMetrics);
                var originalMetrics = evaluator.Evaluate(original, reference);
                rows.Add(new BenchRow(forget, "original", seed, originalMetrics, 0));
                rows.Add(new BenchRow(forget, "retrain", seed, referenceMetrics, retrainSeconds));
                Log(forget, "retrain", referenceMetrics, retrainSeconds);

                // A second exact unlearning from another seed: the overlap and phi any unlearned model can hope for.
                var seeds2 = new Dictionary<string, int> { ["original_init"] = seed };
                var (_, second) = await UnlearningExperiment.RunAsync(retrain, new UnlearningRequest(original, split, seed + 7777, target), evaluator, retrained, seeds2, data.Source, originalMetrics, context, cancellation);
                rows.Add(new BenchRow(forget, "retrain#2", seed, second.Unlearned, second.WallSeconds));
                Log(forget, "retrain#2", second.Unlearned, second.WallSeconds);

                // Each DiHyFo sample is a whole best-of-N request with its own sampling seed (paper Tables 1-4: mean of 5).
                var runs = (hypernets ?? []).SelectMany(h => Enumerable.Range(1, samples).Select(k => (h.MethodWith(h.Sampler, dihyfo1Rounds) as IUnlearningMethod, (seed * 1000) + k, $"-sample{k}")))
                    .Concat(methods.Select(m => (m == "invwnn" && invwnn is not null ? invwnn : UnlearningMethodCatalog.CreateBaseline(m, recipe), seed, "")));
                foreach (var (method, methodSeed, suffix) in runs)
                {
                    var (result, report) = await UnlearningExperiment.RunAsync(method, new UnlearningRequest(original, split, methodSeed, target), evaluator, retrained, seeds2, data.Source, originalMetrics, context, cancellation);
                    rows.Add(new BenchRow(forget, method.Name, seed, report.Unlearned, report.WallSeconds));
                    if (candidateLog is not null && result.Candidates is { } candidates)
                    {
                        candidateLog.Add(CandidateRequest.Of(forget, method.Name, seed, methodSeed, result, evaluator.Evaluate(candidates.Select(c => c.Parameters).ToList(), reference), referenceMetrics));
                    }

                    Log(forget, method.Name + suffix, report.Unlearned, report.WallSeconds);
                    if (reportFolder is not null)
                    {
                        report.WriteTo(reportFolder, $"{preset.Name}-forget{split.Set.Key}-{method.Name.Replace("+", "plus")}-seed{seed}{suffix}");
                    }
                }
            }
        }

        return rows;
    }

    private static void Log(string forget, string method, ModelMetrics m, double seconds) =>
        AnsiConsole.MarkupLine(Markup.Escape($"  forget {forget} {method,-12} acc_Dr {m.AccuracyRetainTrain:F4}  acc_Df {m.AccuracyForgetTrain:F4}  mia {m.Mia:F4}  phi {m.UnlearningScore:F4}  {seconds:F2} s"));

    private static readonly string[] FigureNames = ["acc_Dr", "acc_Df", "acc_Tr", "acc_Tf", "acc_T", "mia", "mia_efficacy", "overlap_Dr", "overlap_Df", "overlap_T", "phi"];

    private static void Print(TaskPreset preset, IReadOnlyList<BenchForget> forgetSets, List<BenchRow> rows, int seeds, int samples, int firstSeed)
    {
        if (Console.IsOutputRedirected)
        {
            // Spectre assumes 80 columns when redirected; the table has a dozen figures per row.
            AnsiConsole.Profile.Width = 240;
        }

        foreach (var set in forgetSets)
        {
            var forget = set.ClassSet;
            var mine = rows.Where(r => r.Forget == set.Name).ToList();
            var table = new Table().Title($"{preset.Name} ({preset.Architecture}), forget {set.Name}: mean{(seeds > 1 ? " ± std" : "")} over {(seeds > 1 ? $"seeds {firstSeed}-{firstSeed + seeds - 1}" : $"seed {firstSeed}")}{(samples > 0 ? $" (DiHyFo rows: {samples} sampled models per seed)" : "")}; overlap and phi against the retrained model")
                .AddColumn("model");
            foreach (var figure in FigureNames.Append("wall_s"))
            {
                table.AddColumn(new TableColumn(figure).RightAligned());
            }

            foreach (var p in PaperTables.For(preset.Name, forget))
            {
                table.AddRow([$"paper {p.Model} ({p.Source})", .. FigureNames.Select(f => p.Figures.TryGetValue(f, out var v) && v is { } value ? value.ToString("F4", CultureInfo.InvariantCulture) : ""), ""]);
            }

            foreach (var method in mine.Select(r => r.Method).Distinct())
            {
                var measured = mine.Where(r => r.Method == method).ToList();
                var cells = new List<string> { method };
                foreach (var figure in FigureNames)
                {
                    cells.Add(Format(measured.Select(r => Figure(r.Metrics, figure)).Where(v => v is not null).Select(v => v!.Value).ToArray(), "F4"));
                }

                cells.Add(Format(measured.Select(r => r.WallSeconds).ToArray(), "F2"));
                table.AddRow(cells.Select(Markup.Escape).ToArray());
            }

            AnsiConsole.Write(table);
            if (set.Fraction is not null)
            {
                AnsiConsole.Write(SampleTable(set.Name, SampleGaps(mine)));
            }
            else if (Judge(mine) is { Count: > 0 } checks)
            {
                AnsiConsole.Write(BarsTable(set.Name, checks));
            }
        }
    }

    /// <summary>The InvWNN paper's figures of one model over seeds: each with its gap to retrain (paired by seed), and the mean absolute gap.</summary>
    public sealed record SampleGap(string Method, RetrainBars.Estimate Ra, RetrainBars.Estimate Ua, RetrainBars.Estimate Ta, RetrainBars.Estimate MiaEfficacy,
        RetrainBars.Estimate RaGap, RetrainBars.Estimate UaGap, RetrainBars.Estimate TaGap, RetrainBars.Estimate MiaEfficacyGap, RetrainBars.Estimate AverageGap);

    /// <summary>
    /// RA = accuracy on D_r, UA = 1 − accuracy on D_f, TA = accuracy on T, MIA-efficacy (InvWNN Table 1), for every model
    /// of a random-sample forget set, each against the retrained model of the same seed; "avg gap" is SalUn's ranking:
    /// the mean of the four absolute gaps.
    /// </summary>
    public static List<SampleGap> SampleGaps(IReadOnlyList<BenchRow> forgetSetRows)
    {
        var retrained = forgetSetRows.Where(r => r.Method == "retrain").ToDictionary(r => r.Seed, r => r.Metrics);
        static double[] Of(ModelMetrics m) => [m.AccuracyRetainTrain, 1 - m.AccuracyForgetTrain, m.AccuracyTest, m.MiaEfficacy];
        return forgetSetRows.Where(r => retrained.ContainsKey(r.Seed)).GroupBy(r => r.Method).Select(g =>
        {
            var values = g.Select(r => Of(r.Metrics)).ToList();
            var gaps = g.Select(r => Of(r.Metrics).Zip(Of(retrained[r.Seed]), (a, b) => a - b).ToArray()).ToList();
            RetrainBars.Estimate Column(List<double[]> source, int i) => RetrainBars.Estimate.Of(source.Select(v => v[i]).ToList());
            return new SampleGap(g.Key, Column(values, 0), Column(values, 1), Column(values, 2), Column(values, 3),
                Column(gaps, 0), Column(gaps, 1), Column(gaps, 2), Column(gaps, 3), RetrainBars.Estimate.Of(gaps.Select(v => v.Average(Math.Abs)).ToList()));
        }).ToList();
    }

    private static Table SampleTable(string forget, IReadOnlyList<SampleGap> gaps)
    {
        var table = new Table()
            .Title($"forget {forget}: the InvWNN paper's metrics (RA = acc D_r, UA = 1 - acc D_f, TA = acc T, MIA-efficacy), (gap to retrain)")
            .Caption("mean ± standard error over seeds; gaps paired by seed; avg gap = mean of the four absolute gaps (SalUn)")
            .AddColumn("model");
        foreach (var column in new[] { "RA", "UA", "TA", "MIA-efficacy", "avg gap" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        string Cell(RetrainBars.Estimate value, RetrainBars.Estimate gap) => $"{Estimate(value, "F4")} ({Estimate(gap, SignedGap)})";
        foreach (var g in gaps)
        {
            table.AddRow(Markup.Escape(g.Method), Cell(g.Ra, g.RaGap), Cell(g.Ua, g.UaGap), Cell(g.Ta, g.TaGap), Cell(g.MiaEfficacy, g.MiaEfficacyGap), Estimate(g.AverageGap, "F4"));
        }

        return table;
    }

    /// <summary>Every method but the original and the reference itself, judged against the issue's bars (retrain#2 shows what an exact unlearning scores).</summary>
    public static List<RetrainBars.Check> Judge(IReadOnlyList<BenchRow> forgetSetRows)
    {
        var retrained = forgetSetRows.Where(r => r.Method == "retrain").ToDictionary(r => r.Seed, r => r.Metrics);
        return forgetSetRows.Where(r => r.Method is not ("original" or "retrain")).GroupBy(r => r.Method)
            .Select(g => Bars.Judge(g.Key, g.Select(r => (r.Seed, r.Metrics)), retrained)).ToList();
    }

    private static readonly RetrainBars Bars = new();

    private static Table BarsTable(string forget, IReadOnlyList<RetrainBars.Check> checks)
    {
        var table = new Table()
            .Title($"forget {forget} against the bars")
            .Caption("gaps to retrain paired by seed; ± standard error over seeds")
            .AddColumn("model");
        var columns = new[]
        {
            $"acc_Df (< {Bars.MaxForgetAccuracy.ToString("0.###", CultureInfo.InvariantCulture)})",
            $"acc_Dr - retrain (±{Bars.RetainGap.ToString("0.##", CultureInfo.InvariantCulture)})",
            $"mia - retrain (±{Bars.MiaGap.ToString("0.##", CultureInfo.InvariantCulture)})",
            $"phi (>= {Bars.MinPhi.ToString("0.##", CultureInfo.InvariantCulture)})",
            "missed",
        };
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column)).RightAligned());
        }

        foreach (var c in checks)
        {
            table.AddRow(Markup.Escape(c.Method), Estimate(c.ForgetAccuracy, "F4"), Estimate(c.RetainGap, SignedGap), Estimate(c.MiaGap, SignedGap), Estimate(c.Phi, "F4"),
                c.Missed.Count == 0 ? "[green]none[/]" : $"[red]{Markup.Escape(string.Join(", ", c.Missed))}[/]");
        }

        return table;
    }

    /// <summary>A gap to retrain with its sign; the third section keeps a gap that rounds to zero from below from printing "-+0.0000".</summary>
    private const string SignedGap = "+0.0000;-0.0000;0.0000";

    private static string Estimate(RetrainBars.Estimate e, string format) => Markup.Escape(e.Seeds > 1
        ? $"{e.Mean.ToString(format, CultureInfo.InvariantCulture)}±{e.StandardError.ToString("F4", CultureInfo.InvariantCulture)}"
        : e.Mean.ToString(format, CultureInfo.InvariantCulture));

    private static double? Figure(ModelMetrics metrics, string name) => metrics.Figures().First(f => f.Name == name).Value;

    private static string Format(double[] values, string format)
    {
        if (values.Length == 0)
        {
            return "";
        }

        var mean = values.Average();
        if (values.Length == 1)
        {
            return mean.ToString(format, CultureInfo.InvariantCulture);
        }

        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        return $"{mean.ToString(format, CultureInfo.InvariantCulture)}±{std.ToString(format, CultureInfo.InvariantCulture)}";
    }

    private static void WriteJson(string path, TaskPreset preset, IReadOnlyList<BenchForget> forgetSets, List<BenchRow> rows)
    {
        var document = new
        {
            preset = preset.Name,
            architecture = preset.Architecture.ToString(),
            forget_sets = forgetSets.Select(f => f.Name),
            measured = rows.Select(r => new
            {
                forget = r.Forget,
                method = r.Method,
                seed = r.Seed,
                wall_seconds = r.WallSeconds,
                figures = r.Metrics.Figures().ToDictionary(f => f.Name, f => f.Value),
            }),
            bars = forgetSets.Where(f => f.Fraction is null).SelectMany(f => Judge(rows.Where(r => r.Forget == f.Name).ToList()).Select(c => new
            {
                forget = f.Name,
                method = c.Method,
                figures = new Dictionary<string, RetrainBars.Estimate> { ["acc_Df"] = c.ForgetAccuracy, ["acc_Dr_gap"] = c.RetainGap, ["mia_gap"] = c.MiaGap, ["phi"] = c.Phi },
                missed = c.Missed,
            })),
            sample_forgetting = forgetSets.Where(f => f.Fraction is not null).SelectMany(f => SampleGaps(rows.Where(r => r.Forget == f.Name).ToList()).Select(g => new { forget = f.Name, gap = g })),
            paper = forgetSets.Where(f => f.Fraction is null).SelectMany(f => PaperTables.For(preset.Name, f.ClassSet)).Select(p => new { forget = p.Forget, model = p.Model, figures = p.Figures, source = p.Source }),
        };
        JsonOutput.Write(path, document, UnlearningReport.Json);
    }
}
