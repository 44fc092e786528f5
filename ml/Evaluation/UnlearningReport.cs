using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lethe.ML.Evaluation;

/// <summary>
/// Everything needed to judge and reproduce one unlearned model: the method with its hyper-parameters, the data it
/// touched, seeds, forget classes, wall time, and the metrics of the unlearned model beside the retrained reference (and
/// the original model when known). Written as JSON, Markdown and a PNG (accuracy bars; confusion of the unlearned
/// model's predictions against the retrained model's on D_r and T, as the paper's Fig. 5-8).
/// </summary>
public sealed record UnlearningReport
{
    public required string Method { get; init; }

    public required string Preset { get; init; }

    public required string Architecture { get; init; }

    public required int[] Forget { get; init; }

    public required int[] Retain { get; init; }

    /// <summary>The forget set as people read it: <c>{2,3}</c>, <c>random 10%</c>, <c>600 samples</c>.</summary>
    public string? ForgetSet { get; init; }

    /// <summary>|D_f|: the training samples forgotten.</summary>
    public int? ForgetSamples { get; init; }

    /// <summary>D_f / D_r / full D / validation / checkpoint statistics.</summary>
    public required string DataTouched { get; init; }

    public required IReadOnlyDictionary<string, object> HyperParameters { get; init; }

    public required IReadOnlyDictionary<string, object> Details { get; init; }

    /// <summary>Every seed involved: the method's, the retrained reference's, the MIA subsample's, the validation carve-out's.</summary>
    public required IReadOnlyDictionary<string, int> Seeds { get; init; }

    public required string DataSource { get; init; }

    public required double ValidationFraction { get; init; }

    public required double WallSeconds { get; init; }

    public required ModelMetrics Unlearned { get; init; }

    public required ModelMetrics Retrained { get; init; }

    public ModelMetrics? Original { get; init; }

    public string MetricNotes { get; init; } =
        "mia: HyperForget Fig. 22 — softmax entropy, logistic regression D_r (balanced subsample of size |T|) = 1 vs T = 0, mean prediction on D_f; lower = less membership evidence, compare to retrained. "
        + "mia_efficacy: SalUn's MIA-efficacy — confidence p_y, retain (first |T| of D_r) vs T, fraction of D_f predicted non-member; threshold approximation of SalUn's RBF SVC; higher = more forgetting. "
        + "overlap_*: fraction of samples where this model and the retrained model predict the same class. phi: 1 - JSD(natural log) of the softmax outputs against the retrained model, averaged over D (Eq. 8-9). "
        + "Confusion matrices: rows = retrained model's prediction, columns = this model's.";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a report written by <see cref="ToJson"/> (e.g. by a silo); hyper-parameters and details come back as JSON values.</summary>
    public static UnlearningReport FromJson(string json, string source) =>
        JsonSerializer.Deserialize<UnlearningReport>(json, Json) ?? throw new InvalidDataException($"{source} holds no unlearning report.");

    /// <summary>Writes <c>{name}.json</c>, <c>{name}.md</c> and <c>{name}.png</c> into <paramref name="folder"/> (temp name + rename).</summary>
    public IReadOnlyList<string> WriteTo(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var json = Path.Combine(folder, name + ".json");
        var markdown = Path.Combine(folder, name + ".md");
        var png = Path.Combine(folder, name + ".png");
        WriteAtomically(json, ToJson());
        WriteAtomically(markdown, ToMarkdown(Path.GetFileName(png)));
        var temporary = png + ".tmp.png";
        ReportPlot.Save(this, temporary);
        File.Move(temporary, png, overwrite: true);
        return [json, markdown, png];
    }

    public string ToMarkdown(string? pngName = null)
    {
        var text = new StringBuilder();
        var f = CultureInfo.InvariantCulture;
        text.AppendLine(f, $"# Unlearning report: {Method} on {Preset} ({Architecture}), forget {ForgetSet ?? $"{{{string.Join(",", Forget)}}}"}{(ForgetSamples is { } n ? $" ({n} training samples)" : "")}");
        text.AppendLine();
        text.AppendLine(f, $"- data touched: {DataTouched}");
        text.AppendLine(f, $"- retain classes: {string.Join(", ", Retain)}");
        text.AppendLine(f, $"- seeds: {string.Join(", ", Seeds.Select(s => $"{s.Key} = {s.Value}"))}");
        text.AppendLine(f, $"- data: {DataSource}; validation = {ValidationFraction:P0} of the train split, held out of all training");
        text.AppendLine(f, $"- wall time of the unlearning step: {WallSeconds:F3} s");
        text.AppendLine(f, $"- hyper-parameters: {string.Join("; ", HyperParameters.Select(p => $"{p.Key} = {Format(p.Value)}"))}");
        text.AppendLine(f, $"- run details: {string.Join("; ", Details.Select(p => $"{p.Key} = {Format(p.Value)}"))}");
        text.AppendLine();
        var columns = Original is null ? new[] { ("retrained", Retrained), (Method, Unlearned) } : [("original", Original), ("retrained", Retrained), (Method, Unlearned)];
        text.AppendLine("| metric | " + string.Join(" | ", columns.Select(c => c.Item1)) + " |");
        text.AppendLine("|---|" + string.Concat(columns.Select(_ => "---:|")));
        for (var i = 0; i < Unlearned.Figures().Count; i++)
        {
            var name = Unlearned.Figures()[i].Name;
            text.AppendLine($"| {name} | " + string.Join(" | ", columns.Select(c => c.Item2.Figures()[i].Value is { } v ? v.ToString("F4", f) : "")) + " |");
        }

        text.AppendLine();
        text.AppendLine(MetricNotes);
        if (pngName is not null)
        {
            text.AppendLine();
            text.AppendLine(f, $"![accuracy and confusion against the retrained model]({pngName})");
        }

        return text.ToString();
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float s => s.ToString("G6", CultureInfo.InvariantCulture),
        System.Collections.IEnumerable e and not string => "[" + string.Join(", ", e.Cast<object>().Select(Format)) + "]",
        // A report read back with FromJson holds JSON values; print them as the original numbers and lists.
        JsonElement { ValueKind: JsonValueKind.Array } a => "[" + string.Join(", ", a.EnumerateArray().Select(v => Format(v))) + "]",
        JsonElement { ValueKind: JsonValueKind.Number } n => n.GetDouble().ToString("G6", CultureInfo.InvariantCulture),
        JsonElement j => j.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static void WriteAtomically(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
