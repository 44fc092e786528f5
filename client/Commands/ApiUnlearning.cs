using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lethe.ML.Evaluation;
using Lethe.ML.Storage;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe unlearn --api URL --key KEY</c>: the same request through the tenants' <c>/v1</c> API, as a customer uses
/// it: uploads the model (raw safetensors body, fields in the query, an Idempotency-Key so a retried upload is the same
/// request), polls with a progress bar, honours <c>Retry-After</c> on 429, then downloads the unlearned model (its
/// SHA-256 checked against the request's) and the report, written atomically.
/// </summary>
public static class ApiUnlearning
{
    public const string KeyVariable = "LETHE_API_KEY";

    public static async Task<int> Run(
        Uri api, string key, byte[] model, string method, ForgetSet forget, string? preset, int seed, string? hypernet, string? checkpoints, int candidates,
        string outputPath, string reportFolder, CancellationToken cancellation)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var fields = new List<(string Name, string Value)> { ("method", method), ("seed", seed.ToString(CultureInfo.InvariantCulture)) };
        fields.Add(forget.Fraction is { } fraction ? ("forgetFraction", fraction.ToString(CultureInfo.InvariantCulture))
            : forget.Samples is { } samples ? ("forgetSamples", string.Join(",", samples))
            : ("forget", string.Join(",", forget.Classes)));
        if (preset is not null)
        {
            fields.Add(("preset", preset));
        }

        if (hypernet is not null)
        {
            fields.Add(("hypernet", hypernet));
            fields.Add(("candidates", candidates.ToString(CultureInfo.InvariantCulture)));
        }

        if (checkpoints is not null)
        {
            fields.Add(("checkpoints", checkpoints));
        }

        // A list of sample indices can outgrow a request line: then every field goes in a multipart form beside the model.
        var multipart = forget.Samples is not null;
        HttpContent Body()
        {
            var file = new ByteArrayContent(model) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } };
            if (!multipart)
            {
                return file;
            }

            var form = new MultipartFormDataContent { { file, "model", "model.safetensors" } };
            foreach (var (name, value) in fields)
            {
                form.Add(new StringContent(value), name);
            }

            return form;
        }

        var target = multipart ? "v1/requests" : $"v1/requests?{string.Join("&", fields.Select(f => $"{f.Name}={Uri.EscapeDataString(f.Value)}"))}";
        var idempotencyKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        JsonElement submitted;
        while (true)
        {
            using var upload = new HttpRequestMessage(HttpMethod.Post, target)
            {
                Content = Body(),
                Headers = { { "Idempotency-Key", idempotencyKey } },
            };
            using var response = await http.SendAsync(upload, cancellation);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter?.Delta is { } wait && wait < TimeSpan.FromMinutes(2))
            {
                AnsiConsole.MarkupLine($"[grey]quota: retrying in {wait.TotalSeconds:F0} s[/]");
                await Task.Delay(wait, cancellation);
                continue;
            }

            submitted = await Success(response, cancellation);
            break;
        }

        var id = submitted.GetProperty("id").GetString()!;
        AnsiConsole.MarkupLine($"[grey]request {Markup.Escape(id)} on {Markup.Escape(api.ToString())}[/]");
        var outcome = submitted;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var bar = ctx.AddTask($"{method} {forget.Name}", maxValue: 1);
                while (outcome.GetProperty("status").GetString() == "Running")
                {
                    bar.Value = outcome.GetProperty("progress").GetDouble();
                    bar.Description = $"{method} {forget.Name}: {(outcome.TryGetProperty("stage", out var stage) && stage.ValueKind == JsonValueKind.String ? stage.GetString() : "queued")}";
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellation);
                    using var polled = await http.GetAsync($"v1/requests/{id}", cancellation);
                    outcome = await Success(polled, cancellation);
                }

                bar.Value = 1;
            });
        if (outcome.GetProperty("status").GetString() != "Completed")
        {
            throw new InvalidOperationException($"Request {id} ended {outcome.GetProperty("status").GetString()}: {(outcome.TryGetProperty("error", out var error) ? error.GetString() : "")}");
        }

        var unlearned = await Download(http, $"v1/requests/{id}/model", cancellation);
        var expected = outcome.GetProperty("modelSha256").GetString();
        if (Convert.ToHexStringLower(SHA256.HashData(unlearned)) != expected)
        {
            throw new InvalidDataException($"The model downloaded for request {id} does not match its SHA-256 {expected}.");
        }

        var report = UnlearningReport.FromJson(Encoding.UTF8.GetString(await Download(http, $"v1/requests/{id}/report.json", cancellation)), $"report of request {id}");
        ShardFolder.WriteAtomically(outputPath, unlearned);
        var files = report.WriteTo(reportFolder, Path.GetFileNameWithoutExtension(outputPath) + ".report");
        var m = report.Unlearned;
        AnsiConsole.MarkupLine(Markup.Escape($"{report.Method}: acc D_r {m.AccuracyRetainTrain:F4}, acc D_f {m.AccuracyForgetTrain:F4}, phi {m.UnlearningScore:F4}"));
        AnsiConsole.MarkupLine($"unlearned model: {Markup.Escape(outputPath)} (sha256 {expected})");
        AnsiConsole.MarkupLine($"report: {Markup.Escape(string.Join(", ", files))}");
        return 0;
    }

    private static async Task<byte[]> Download(HttpClient http, string path, CancellationToken cancellation)
    {
        using var response = await http.GetAsync(path, cancellation);
        if (!response.IsSuccessStatusCode)
        {
            await Success(response, cancellation);
        }

        return await response.Content.ReadAsByteArrayAsync(cancellation);
    }

    /// <summary>The JSON body of a successful answer; a problem-details answer becomes an error naming its field.</summary>
    private static async Task<JsonElement> Success(HttpResponseMessage response, CancellationToken cancellation)
    {
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (response.IsSuccessStatusCode)
        {
            return JsonDocument.Parse(body).RootElement.Clone();
        }

        string? detail = null, field = null;
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : problem.TryGetProperty("title", out var t) ? t.GetString() : null;
            field = problem.TryGetProperty("field", out var f) ? f.GetString() : null;
        }
        catch (JsonException)
        {
        }

        throw new InvalidOperationException($"The API answered {(int)response.StatusCode} {response.ReasonPhrase}{(field is null ? "" : $" ({field})")}: {detail ?? body}");
    }
}
