using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lethe.Contracts.Unlearning;
using Lethe.ML.Data;
using Lethe.ML.Nets;
using Microsoft.Extensions.DependencyInjection;

namespace Lethe.Cluster.Tests;

/// <summary>
/// The REST API of one <c>Local</c> silo process: user errors map to problem details with 400/403/404/409, and a valid
/// request is accepted and completes with its results.
/// </summary>
[Trait("Category", "Slow")]
public sealed class UnlearningApiTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task The_api_maps_user_errors_to_problem_details_and_serves_a_valid_request()
    {
        await using var silo = SiloProcess.Local("api-silo", new Dictionary<string, string> { ["Lethe__Accelerator"] = "cpu" });
        try
        {
            silo.Start();
            await silo.WaitUntilReady(TimeSpan.FromSeconds(60));
            string key;
            using (var client = await silo.ConnectClient())
            {
                key = await client.Services.GetRequiredService<IClusterClient>().GetGrain<ITenantGrain>("acme").IssueKey();
            }

            using var http = new HttpClient { BaseAddress = new Uri(silo.BaseAddress) };
            var model = Convert.ToBase64String(Model());

            var badKey = await Post(http, "acme.wrong", new { model, forget = new[] { 2 }, method = "finetune" });
            var pivot = await Post(http, key, new { model, forget = new[] { 0 }, method = "finetune" });
            var unknown = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/unlearning/nope") { Headers = { { "X-Api-Key", key } } });
            var noHypernet = await Post(http, key, new { model, forget = new[] { 2 }, method = "dihyfo2", hypernet = "never-trained" });
            var accepted = await Post(http, key, new { model, forget = new[] { 2 }, method = "finetune", id = "req-1" });
            var conflict = await Post(http, key, new { model, forget = new[] { 3 }, method = "finetune", id = "req-1" });

            Assert.Equal(HttpStatusCode.Forbidden, badKey.StatusCode);
            Assert.Equal("invalid_key", (await Problem(badKey)).GetProperty("reason").GetString());
            Assert.Equal(HttpStatusCode.BadRequest, pivot.StatusCode);
            Assert.Contains("pivot class 0", (await Problem(pivot)).GetProperty("detail").GetString());
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, noHypernet.StatusCode);
            Assert.Contains("'never-trained'", (await Problem(noHypernet)).GetProperty("detail").GetString());
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            Assert.Equal("/api/unlearning/req-1", accepted.Headers.Location?.OriginalString);
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

            var outcome = await Poll.Until(async () =>
            {
                using var polled = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/unlearning/req-1") { Headers = { { "X-Api-Key", key } } });
                return await polled.Content.ReadFromJsonAsync<UnlearningOutcome>(Json) is { IsFinished: true } finished ? finished : null;
            }, TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(200), () => "the request did not finish in time");

            Assert.Equal(UnlearningStatus.Completed, outcome.Status);
            Assert.True(File.Exists(Path.Combine(silo.ArtifactsPath, outcome.ModelKey!)));
        }
        catch
        {
            output.WriteLine(silo.Tail());
            throw;
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private static Task<HttpResponseMessage> Post(HttpClient http, string key, object body) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/unlearning") { Headers = { { "X-Api-Key", key } }, Content = JsonContent.Create(body) });

    private static async Task<JsonElement> Problem(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    private static byte[] Model()
    {
        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        var random = new Random(7);
        return MlpFile.Serialize(layout, Enumerable.Range(0, layout.Count).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray());
    }
}
