using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lethe.Contracts.Unlearning;
using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.ML.Unlearning;
using Lethe.Silo.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Lethe.Cluster.Tests;

/// <summary>
/// The <c>/v1</c> API of one <c>Local</c> silo process over real HTTP on loopback: every status code with problem
/// details naming the field, hostile model uploads (never a 500, never a held slot, never counted), idempotency,
/// tenant isolation (another tenant's ids and guessed ids are 404), downloads, cancel, delete (no artifact remains)
/// and the OpenAPI document.
/// </summary>
[Trait("Category", "Slow")]
public sealed class UnlearningApiTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int MaxModelBytes = 64 << 10;

    [Fact]
    public async Task The_v1_api_serves_tenants_and_refuses_everything_else_with_problem_details()
    {
        await using var silo = SiloProcess.Local("api-silo", new Dictionary<string, string> { ["Lethe__Accelerator"] = "cpu", ["Lethe__Api__MaxModelBytes"] = $"{MaxModelBytes}" });
        try
        {
            silo.Start();
            await silo.WaitUntilReady(TimeSpan.FromSeconds(60));
            string acme, rival, busy, spent;
            using (var client = await silo.ConnectClient())
            {
                var grains = client.Services.GetRequiredService<IClusterClient>();
                acme = await grains.GetGrain<ITenantGrain>("acme").IssueKey();
                await grains.GetGrain<ITenantGrain>("acme").SetQuota(new TenantQuota(MaxConcurrent: 1, MaxPerDay: 4));
                rival = await grains.GetGrain<ITenantGrain>("rival").IssueKey();
                busy = await grains.GetGrain<ITenantGrain>("busy").IssueKey();
                await grains.GetGrain<ITenantGrain>("busy").SetQuota(new TenantQuota(MaxConcurrent: 0, MaxPerDay: 10));
                spent = await grains.GetGrain<ITenantGrain>("spent").IssueKey();
                await grains.GetGrain<ITenantGrain>("spent").SetQuota(new TenantQuota(MaxConcurrent: 5, MaxPerDay: 0));
            }

            using var http = new HttpClient { BaseAddress = new Uri(silo.BaseAddress) };
            var model = Model();

            // 401 before anything else; 413 before authentication and before the body is read.
            await AssertProblem(await Submit(http, null, model, "forget=2&method=finetune"), HttpStatusCode.Unauthorized, "invalid_key", UnlearningApi.ApiKeyHeader);
            var wrong = await Submit(http, "acme.wrong", model, "forget=2&method=pivot-is-not-checked-first");
            Assert.Contains("X-Api-Key", wrong.Headers.WwwAuthenticate.ToString());
            await AssertProblem(wrong, HttpStatusCode.Unauthorized, "invalid_key", UnlearningApi.ApiKeyHeader);
            await AssertProblem(await Submit(http, "nodot", model, "forget=2&method=finetune"), HttpStatusCode.Unauthorized, "invalid_key", UnlearningApi.ApiKeyHeader);
            await AssertProblem(await Submit(http, null, new byte[MaxModelBytes + (2 << 20)], "forget=2&method=finetune"), HttpStatusCode.RequestEntityTooLarge, "too_large", "model");
            await AssertProblem(await Send(http, HttpMethod.Post, "/v1/requests?forget=2&method=finetune", acme, new StringContent("{}", Encoding.UTF8, "application/json")),
                HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "Content-Type");

            // 400 naming the field, for every field a user can get wrong.
            await AssertProblem(await Submit(http, acme, model, "forget=0&method=finetune"), HttpStatusCode.BadRequest, "invalid", "forget", "pivot class 0");
            await AssertProblem(await Submit(http, acme, model, "forget=&method=finetune"), HttpStatusCode.BadRequest, "invalid", "forget", "empty");
            await AssertProblem(await Submit(http, acme, model, "forget=9&method=finetune"), HttpStatusCode.BadRequest, "invalid", "forget");
            await AssertProblem(await Submit(http, acme, model, "forget=x&method=finetune"), HttpStatusCode.BadRequest, "invalid", "forget");
            await AssertProblem(await Submit(http, acme, model, "forget=2&method=forgetful"), HttpStatusCode.BadRequest, "invalid", "method", "'forgetful'");
            await AssertProblem(await Submit(http, acme, model, "forget=2"), HttpStatusCode.BadRequest, "invalid", "method");
            await AssertProblem(await Submit(http, acme, model, "forget=2&method=finetune&preset=cifar"), HttpStatusCode.BadRequest, "invalid", "preset", "'cifar'");
            await AssertProblem(await Submit(http, acme, model, "forget=2&method=finetune&preset=mnist"), HttpStatusCode.BadRequest, "invalid", "model");
            await AssertProblem(await Submit(http, acme, model, "forget=2&method=dihyfo2&hypernet=h&candidates=0"), HttpStatusCode.BadRequest, "invalid", "candidates");
            await AssertProblem(await Submit(http, acme, model, "forget=2&method=dihyfo2&hypernet=never-trained"), HttpStatusCode.BadRequest, "invalid", "hypernet", "'never-trained'");
            await AssertProblem(await Submit(http, acme, model, "forget=2&forgetFraction=0.1&method=finetune"), HttpStatusCode.BadRequest, "invalid", "forget");
            await AssertProblem(await Submit(http, acme, model, "forgetFraction=1.5&method=finetune"), HttpStatusCode.BadRequest, "invalid", "forgetFraction");
            await AssertProblem(await Submit(http, acme, model, "forgetSamples=4,9,4&method=finetune"), HttpStatusCode.BadRequest, "invalid", "forgetSamples", "repeat");
            await AssertProblem(await Submit(http, acme, model, "forgetFraction=0.1&method=dihyfo2&hypernet=h"), HttpStatusCode.BadRequest, "invalid", "method", "not individual samples");
            await AssertProblem(await Submit(http, acme, Model(float.NaN), "forget=2&method=finetune"), HttpStatusCode.BadRequest, "invalid", "model", "finite");
            await AssertProblem(await Submit(http, acme, model, "forget=2&method=finetune", headers: new() { [UnlearningApi.IdempotencyKeyHeader] = "no spaces" }), HttpStatusCode.BadRequest, "invalid", UnlearningApi.IdempotencyKeyHeader);

            // Hostile uploads: every one a 400 naming the model; none counted, none holds a slot (quota: 1 at once, 4 a day).
            var random = new Random(22);
            foreach (var (name, bytes) in Hostile(model, random))
            {
                using var response = await Submit(http, acme, bytes, "forget=2&method=finetune");
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {body}");
                Assert.Equal("model", JsonDocument.Parse(body).RootElement.GetProperty("field").GetString());
            }

            // 429 with Retry-After: concurrent and daily quota.
            var concurrent = await Submit(http, busy, model, "forget=2&method=finetune");
            Assert.NotNull(concurrent.Headers.RetryAfter);
            await AssertProblem(concurrent, HttpStatusCode.TooManyRequests, "concurrent_quota", null);
            var daily = await Submit(http, spent, model, "forget=2&method=finetune");
            Assert.True(daily.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            await AssertProblem(daily, HttpStatusCode.TooManyRequests, "daily_quota", null);

            // The happy path with an idempotency key: a replay is the same request (200), another body under the key is 409.
            var idempotent = new Dictionary<string, string> { [UnlearningApi.IdempotencyKeyHeader] = "acme-finetune-1" };
            using var accepted = await Submit(http, acme, model, "forget=2&method=finetune", idempotent);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var submitted = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).Clone();
            Assert.Equal("Running", submitted.GetProperty("status").GetString());
            var id = submitted.GetProperty("id").GetString()!;
            Assert.Equal($"/v1/requests/{id}", accepted.Headers.Location?.OriginalString);
            Assert.Matches("^[A-Za-z0-9_-]{22}$", id);
            using (var replay = await Submit(http, acme, model, "forget=2&method=finetune", idempotent))
            {
                Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
                Assert.Equal(id, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
            }

            await AssertProblem(await Submit(http, acme, model, "forget=2&method=finetune&seed=2", idempotent), HttpStatusCode.Conflict, "conflict", UnlearningApi.IdempotencyKeyHeader);

            // Another tenant, or a guess, never learns the request exists.
            foreach (var (method, path) in new[] { (HttpMethod.Get, $"/v1/requests/{id}"), (HttpMethod.Get, $"/v1/requests/{id}/model"), (HttpMethod.Get, $"/v1/requests/{id}/report.json"), (HttpMethod.Post, $"/v1/requests/{id}/cancel"), (HttpMethod.Delete, $"/v1/requests/{id}") })
            {
                await AssertProblem(await Send(http, method, path, rival), HttpStatusCode.NotFound, "not_found", "id");
            }

            await AssertProblem(await Send(http, HttpMethod.Get, "/v1/requests/AAAAAAAAAAAAAAAAAAAAAA", acme), HttpStatusCode.NotFound, "not_found", "id");
            await AssertProblem(await Send(http, HttpMethod.Get, $"/v1/requests/acme.{id}", acme), HttpStatusCode.NotFound, "not_found", "id");

            var finetuned = await Completed(http, acme, id);
            var downloaded = await Download(http, acme, $"/v1/requests/{id}/model", "application/octet-stream");
            Assert.Equal(finetuned.GetProperty("modelSha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(downloaded)));
            Assert.Equal(TaskPreset.Mnist4.Architecture, MlpFile.Deserialize(downloaded, "the download").Layout.Architecture);
            var reportJson = await Download(http, acme, $"/v1/requests/{id}/report.json", "application/json");
            Assert.Equal(finetuned.GetProperty("reportSha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(reportJson)));
            Assert.StartsWith("# Unlearning report: finetune", Encoding.UTF8.GetString(await Download(http, acme, $"/v1/requests/{id}/report.md", "text/markdown")));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await Download(http, acme, $"/v1/requests/{id}/report.png", "image/png"))[..4]);

            // Retrained without class 2: the downloaded model gets none of class 2's test digits right.
            var retrainId = await Accepted(http, acme, model, "forget=2&method=retrain");
            await Completed(http, acme, retrainId);
            var retrained = MlpFile.Deserialize(await Download(http, acme, $"/v1/requests/{retrainId}/model", "application/octet-stream"), "the download");
            var test = DigitsSource.Load("npm").For(TaskPreset.Mnist4).Test;
            Assert.Equal(0.0, OriginalModelTrainer.LowestClassAccuracy(test.WhereLabel(c => c == 2), TaskPreset.Mnist4.Architecture, retrained.Flat));

            // Cancel frees the slot at once (1 at once): the next request is admitted.
            var cancelId = await Accepted(http, acme, model, "forget=3&method=retrain&seed=9");
            using (var cancelled = await Send(http, HttpMethod.Post, $"/v1/requests/{cancelId}/cancel", acme))
            {
                Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
                Assert.Contains((await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString(), new[] { "Cancelled", "Completed" });
            }

            await AssertProblem(await Send(http, HttpMethod.Get, $"/v1/requests/{cancelId}/model", acme), HttpStatusCode.Conflict, "not_completed", "status", expectAnyOf: HttpStatusCode.OK);
            var lastId = await Accepted(http, acme, model, "forget=3&method=finetune");

            // Paging: the tenant's four requests, newest first; the rival sees none.
            using (var page = await Send(http, HttpMethod.Get, "/v1/requests?limit=3", acme))
            {
                var json = (await page.Content.ReadFromJsonAsync<JsonElement>()).Clone();
                Assert.Equal(4, json.GetProperty("total").GetInt32());
                Assert.Equal([lastId, cancelId, retrainId], json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToArray());
                Assert.Equal(3, json.GetProperty("next").GetInt32());
            }

            await AssertProblem(await Send(http, HttpMethod.Get, "/v1/requests?limit=0", acme), HttpStatusCode.BadRequest, "invalid", "limit");
            using (var none = await Send(http, HttpMethod.Get, "/v1/requests", rival))
            {
                Assert.Equal(0, (await none.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total").GetInt32());
            }

            // Delete: the request and every artifact of it are gone.
            await Completed(http, acme, lastId);
            foreach (var deleted in new[] { id, lastId })
            {
                Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(silo.ArtifactsPath, "unlearning", $"acme.{deleted}"), "*", SearchOption.AllDirectories));
                using (var delete = await Send(http, HttpMethod.Delete, $"/v1/requests/{deleted}", acme))
                {
                    Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
                }

                await AssertProblem(await Send(http, HttpMethod.Get, $"/v1/requests/{deleted}", acme), HttpStatusCode.NotFound, "not_found", "id");
                var folder = Path.Combine(silo.ArtifactsPath, "unlearning", $"acme.{deleted}");
                Assert.False(Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any(), $"artifacts of {deleted} remain");
            }

            // Framework errors are problem details too.
            await AssertProblem(await Send(http, HttpMethod.Get, "/v1/nowhere", acme), HttpStatusCode.NotFound, null, null);
            await AssertProblem(await Send(http, HttpMethod.Put, "/v1/requests", acme), HttpStatusCode.MethodNotAllowed, null, null);

            // The CLI as a tenant: upload, poll, download (checked against the request's SHA-256), report written.
            var work = Directory.CreateTempSubdirectory("lethe-api-cli-");
            try
            {
                var modelFile = Path.Combine(work.FullName, "model.safetensors");
                await File.WriteAllBytesAsync(modelFile, model);
                var outFile = Path.Combine(work.FullName, "out", "unlearned.safetensors");
                var refused = LetheProcess.RunIn(work.FullName, "unlearn", "--api", silo.BaseAddress, "--key", "rival.wrong", "--model", modelFile, "--forget", "2", "--out", outFile);
                Assert.Equal(2, refused.ExitCode);
                Assert.Contains("401", refused.Error);
                var run = LetheProcess.RunIn(work.FullName, "unlearn", "--api", silo.BaseAddress, "--key", rival, "--model", modelFile, "--forget", "2", "--method", "finetune", "--out", outFile);
                Assert.True(run.ExitCode == 0, run.Output + run.Error);
                Assert.Equal(TaskPreset.Mnist4.Architecture, MlpFile.Load(outFile).Layout.Architecture);
                Assert.True(File.Exists(Path.Combine(work.FullName, "out", "unlearned.report.md")));

                // Random-sample forgetting by index: the list travels as a multipart form field beside the model.
                var samplesFile = Path.Combine(work.FullName, "forget.txt");
                await File.WriteAllTextAsync(samplesFile, string.Join("\n", Enumerable.Range(0, 2900).Where(i => i % 7 == 0)));
                var samplesOut = Path.Combine(work.FullName, "out", "samples.safetensors");
                var samples = LetheProcess.RunIn(work.FullName, "unlearn", "--api", silo.BaseAddress, "--key", rival, "--model", modelFile, "--forget-samples", samplesFile, "--method", "neggrad", "--out", samplesOut);
                Assert.True(samples.ExitCode == 0, samples.Output + samples.Error);
                Assert.Contains("forget 415 samples (415 training samples)", File.ReadAllText(Path.Combine(work.FullName, "out", "samples.report.md")));
            }
            finally
            {
                work.Delete(recursive: true);
            }

            // Multipart: a 'model' file part and form fields.
            using (var form = new MultipartFormDataContent { { new ByteArrayContent(model), "model", "model.safetensors" }, { new StringContent("2"), "forget" }, { new StringContent("finetune"), "method" } })
            using (var multipart = await Send(http, HttpMethod.Post, "/v1/requests", rival, form))
            {
                Assert.True(multipart.StatusCode == HttpStatusCode.Accepted, await multipart.Content.ReadAsStringAsync());
            }

            using (var noFile = new MultipartFormDataContent { { new StringContent("2"), "forget" }, { new StringContent("finetune"), "method" } })
            {
                await AssertProblem(await Send(http, HttpMethod.Post, "/v1/requests", rival, noFile), HttpStatusCode.BadRequest, "invalid", "model", "'model'");
            }

            // The OpenAPI document parses and lists every route.
            var openApi = await http.GetStringAsync("/openapi/v1.json");
            var read = OpenApiDocument.Parse(openApi, "json");
            Assert.Empty(read.Diagnostic?.Errors ?? []);
            Assert.Equal(
                ["/v1/requests", "/v1/requests/{id}", "/v1/requests/{id}/cancel", "/v1/requests/{id}/model", "/v1/requests/{id}/report.json", "/v1/requests/{id}/report.md", "/v1/requests/{id}/report.png"],
                read.Document!.Paths.Keys.Order(StringComparer.Ordinal).ToArray());
            Assert.Contains("\"Cancelled\"", openApi);
        }
        catch
        {
            output.WriteLine(silo.Tail());
            throw;
        }
    }

    /// <summary>Truncated files, crafted headers (offsets, shapes, dtypes), NaN and infinite weights, and random bytes.</summary>
    private static IEnumerable<(string Name, byte[] Bytes)> Hostile(byte[] model, Random random)
    {
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(model);
        foreach (var cut in new[] { 0, 3, 8, 9, headerLength / 2, headerLength + 8, model.Length - 1 })
        {
            yield return ($"truncated to {cut}", model[..cut]);
        }

        var fc2 = TaskPreset.Mnist4.Architecture.Classes * TaskPreset.Mnist4.Architecture.Hidden * 4;
        var headers = new[]
        {
            """{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[0]}}""",
            """{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[6272,0]}}""",
            """{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[-8,6264]}}""",
            """{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[0,6272,9]}}""",
            """{"fc1.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""",
            """{"fc1.weight":{"dtype":"F32","shape":[0,9223372036854775807],"data_offsets":[0,0]},"fc1.bias":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"fc2.weight":{"dtype":"F32","shape":[4,0],"data_offsets":[0,0]},"fc2.bias":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""",
            """{"fc1.weight":{"dtype":"F32","shape":[-2,784],"data_offsets":[0,6272]}}""",
            """{"fc1.weight":{"dtype":"Q4","shape":[2,784],"data_offsets":[0,6272]}}""",
            """{"fc1.weight":{"dtype":"I32","shape":[2,784],"data_offsets":[0,6272]},"fc1.bias":{"dtype":"F32","shape":[2],"data_offsets":[6272,6280]},"fc2.weight":{"dtype":"F32","shape":[4,2],"data_offsets":[6280,6312]},"fc2.bias":{"dtype":"F32","shape":[4],"data_offsets":[6312,6328]}}""",
            """{"fc1.weight":{"dtype":"F32","shape":[2.5,784],"data_offsets":[0,6272]}}""",
            """{"fc1.weight":{"dtype":"F32","shape":"2x784","data_offsets":[0,6272]}}""",
            """{"fc1.weight":[1,2,3]}""",
            """[1,2,3]""",
            """{"fc1.weight":{"dtype":"F32","shape":[2,784],"data_offsets":[0,999999999999]}}""",
            """{"__metadata__":{"a":1}}""",
            "{\"fc1.weight\":",
            "\u00ff\u00fe",
        };
        foreach (var header in headers)
        {
            yield return ($"header {header}", Crafted(header, 6328 + fc2));
        }

        var oversized = model.ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(oversized, ulong.MaxValue);
        yield return ("header length 2^64-1", oversized);
        foreach (var value in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var poisoned = model.ToArray();
            var at = 8 + headerLength + (random.Next((poisoned.Length - 8 - headerLength) / 4) * 4);
            BinaryPrimitives.WriteSingleLittleEndian(poisoned.AsSpan(at), value);
            yield return ($"one weight {value}", poisoned);
        }

        for (var i = 0; i < 30; i++)
        {
            var noise = new byte[random.Next(1, 8000)];
            random.NextBytes(noise);
            if (i % 2 == 0 && noise.Length > 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(noise, (ulong)random.Next(0, noise.Length - 8));
            }

            yield return ($"random bytes #{i}", noise);
        }

        for (var i = 0; i < 20; i++)
        {
            var flipped = model.ToArray();
            for (var k = 0; k < 4; k++)
            {
                flipped[8 + random.Next(headerLength)] = (byte)random.Next(256);
            }

            // A flip inside a tensor name or a space of padding can leave a valid file; only keep those that are not.
            if (!IsValidModel(flipped))
            {
                yield return ($"header bytes flipped #{i}", flipped);
            }
        }
    }

    private static bool IsValidModel(byte[] bytes)
    {
        try
        {
            var (layout, flat, _) = MlpFile.Deserialize(bytes, "probe", TaskPreset.Mnist4.Architecture);
            MlpFile.RequireFinite(layout, flat, "probe");
            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static byte[] Crafted(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }

    private static async Task<string> Accepted(HttpClient http, string key, byte[] model, string query)
    {
        using var response = await Submit(http, key, model, query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{query}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> Completed(HttpClient http, string key, string id) => (await Poll.Until<JsonDocument>(async () =>
    {
        using var polled = await Send(http, HttpMethod.Get, $"/v1/requests/{id}", key);
        var json = JsonDocument.Parse(await polled.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("status").GetString() switch
        {
            "Running" => null,
            "Completed" => json,
            var other => throw new InvalidOperationException($"request {id} ended {other}: {json.RootElement}"),
        };
    }, TimeSpan.FromMinutes(4), TimeSpan.FromMilliseconds(200), () => $"request {id} did not finish in time")).RootElement;

    private static async Task<byte[]> Download(HttpClient http, string key, string path, string mediaType)
    {
        using var response = await Send(http, HttpMethod.Get, path, key);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static Task<HttpResponseMessage> Submit(HttpClient http, string? key, byte[] model, string query, Dictionary<string, string>? headers = null)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, $"/v1/requests?{query}") { Content = new ByteArrayContent(model) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } } };
        if (key is not null)
        {
            message.Headers.Add(UnlearningApi.ApiKeyHeader, key);
        }

        foreach (var (name, value) in headers ?? [])
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return http.SendAsync(message);
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, HttpMethod method, string path, string key, HttpContent? content = null) =>
        http.SendAsync(new HttpRequestMessage(method, path) { Headers = { { UnlearningApi.ApiKeyHeader, key } }, Content = content });

    /// <summary>A problem-details answer with the status, bounded reason and field expected (when given); disposes the response.</summary>
    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? reason, string? field, string? detailContains = null, HttpStatusCode? expectAnyOf = null)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            if (expectAnyOf is { } alternative && response.StatusCode == alternative)
            {
                return;
            }

            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
            if (reason is not null)
            {
                Assert.True(problem.TryGetProperty("reason", out var r) && r.GetString() == reason, $"expected reason {reason}: {body}");
            }

            if (field is not null)
            {
                Assert.True(problem.TryGetProperty("field", out var f) && f.GetString() == field, $"expected field {field}: {body}");
            }

            if (detailContains is not null)
            {
                Assert.True(problem.TryGetProperty("detail", out var d) && d.GetString()!.Contains(detailContains, StringComparison.Ordinal), $"expected detail with '{detailContains}': {body}");
            }
        }
    }

    private static byte[] Model(float poison = 0)
    {
        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        var random = new Random(7);
        var flat = Enumerable.Range(0, layout.Count).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
        if (float.IsNaN(poison))
        {
            Array.Fill(flat, float.NaN);
        }

        return MlpFile.Serialize(layout, flat);
    }
}
