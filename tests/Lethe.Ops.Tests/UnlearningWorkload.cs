using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lethe.Contracts.Unlearning;
using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.Silo.Api;

namespace Lethe.Ops.Tests;

/// <summary>
/// Real work for the unlearning and tenant rows, through the silo's REST API as a tenant would send it: a request with
/// a wrong key, two fine-tuning requests with the tenant's key (finishing in different scrapes), and one more request
/// over the tenant's daily quota of two.
/// </summary>
public static class UnlearningWorkload
{
    public const string Tenant = "ops";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static async Task<UnlearningWorkloadResult> Run(IClusterClient client, HttpClient http, string apiBase, PrometheusServer prometheus, string job, TimeSpan timeout)
    {
        var tenant = client.GetGrain<ITenantGrain>(Tenant);
        var key = await tenant.IssueKey();
        await tenant.SetQuota(new TenantQuota(MaxConcurrent: 2, MaxPerDay: 2));
        var model = Model();

        var wrongKey = await Post(http, apiBase, $"{Tenant}.not-a-key", model, "forget=2&method=finetune");
        var first = await Complete(http, apiBase, key, model, "forget=2&method=finetune", timeout);
        await prometheus.WaitUntilScraped($"lethe_unlearning_duration_seconds_count{{job=\"{job}\"}} >= 1", timeout);
        // Same task, forget set and seed: reuses the retrained reference the first request registered.
        var second = await Complete(http, apiBase, key, model, "forget=2&method=finetune", timeout);
        var overQuota = await Post(http, apiBase, key, model, "forget=3&method=finetune");

        return new UnlearningWorkloadResult(await Reason(wrongKey), [first, second], await Reason(overQuota));
    }

    private static async Task<UnlearningOutcome> Complete(HttpClient http, string apiBase, string key, byte[] model, string query, TimeSpan timeout)
    {
        using var accepted = await Post(http, apiBase, key, model, query);
        if (accepted.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /v1/requests answered {(int)accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync()}");
        }

        var location = accepted.Headers.Location!.OriginalString;
        return await Poll.Until(async () =>
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, apiBase + location) { Headers = { { UnlearningApi.ApiKeyHeader, key } } };
            using var response = await http.SendAsync(get);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<UnlearningOutcome>(Json) is { IsFinished: true } outcome ? outcome : null;
        }, timeout, TimeSpan.FromMilliseconds(250), () => $"unlearning request {location} did not finish");
    }

    private static Task<HttpResponseMessage> Post(HttpClient http, string apiBase, string key, byte[] model, string query) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{apiBase}/v1/requests?{query}")
        {
            Headers = { { UnlearningApi.ApiKeyHeader, key } },
            Content = new ByteArrayContent(model) { Headers = { ContentType = new("application/octet-stream") } },
        });

    /// <summary>The <c>reason</c> of a 401 or 429 problem answer, or the status code when the answer is something else.</summary>
    private static async Task<string> Reason(HttpResponseMessage response)
    {
        using (response)
        {
            if (response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests))
            {
                return $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }

            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return problem.RootElement.GetProperty("reason").GetString() ?? "";
        }
    }

    /// <summary>A small random MNIST-4 net (784-2-4): fine-tuning it takes a few seconds on CPU.</summary>
    private static byte[] Model()
    {
        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        var random = new Random(6);
        return MlpFile.Serialize(layout, Enumerable.Range(0, layout.Count).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray());
    }
}
