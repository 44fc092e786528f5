using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Lethe.Client.Cluster;
using Lethe.Contracts.Unlearning;
using Lethe.ML.Storage;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe bench serve</c>: the unlearning service under load, as tenants use it. Four tenants send their share of the
/// requests through the <c>/v1</c> API (raw safetensors upload with an Idempotency-Key, polling, model download checked
/// against its SHA-256), mixing finetune, neggrad+ and DiHyFo-2 over three forget sets. Three tenants have quotas that
/// fit their load and wait out <c>Retry-After</c>; the fourth is over its daily quota on purpose. Embedded, the bench
/// starts a <c>lethe-silo</c> process in the Local profile on loopback; with <c>--cluster</c> it drives the given API
/// addresses of a running cluster and can SIGKILL a silo mid-load (<c>--kill-silo-after N --kill-command CMD</c>).
/// Retrained references are warmed before timing, as in steady service.
/// </summary>
public static class BenchServeCommand
{
    private static readonly string[] Methods = ["finetune", "neggrad+", "dihyfo2"];
    private static readonly int[][] ForgetSets = [[2], [3], [2, 3]];

    public static Command Create()
    {
        var requests = new Option<int>("--requests") { Description = "Requests sent in all (a quarter per tenant).", DefaultValueFactory = _ => 200 };
        var home = new Option<string>("--home") { Description = "Folder of the bench's platform, model, dataset and hypernetwork (reused by a rerun).", DefaultValueFactory = _ => Path.Combine(".lethe", "bench-serve") };
        var candidates = new Option<int>("--candidates") { Description = "Candidates per DiHyFo-2 request.", DefaultValueFactory = _ => 16 };
        var apis = new Option<string[]>("--api") { Description = "With --cluster: a silo's API base address (repeat for each silo); requests fail over between them.", AllowMultipleArgumentsPerToken = false };
        var killAfter = new Option<int?>("--kill-silo-after") { Description = "With --cluster: after this many accepted submissions, run --kill-command once (SIGKILL one silo)." };
        var killCommand = new Option<string?>("--kill-command") { Description = "Shell command that kills one silo, e.g. 'scripts/cluster.sh kill 1'." };
        var runs = new Option<int>("--prepare-runs") { Description = "Runs of the MNIST-4 dataset the DiHyFo-2 hypernetwork is trained on (collected once).", DefaultValueFactory = _ => 256 };
        var steps = new Option<int>("--prepare-steps") { Description = "Training steps of that hypernetwork (cpu preset; trained once).", DefaultValueFactory = _ => 300 };
        var command = new Command("serve", "Load test of the unlearning service: 4 tenants, mixed methods over the /v1 API, one tenant over quota; throughput, latency p50/p95/p99 per method, rejections and lost requests.")
        {
            requests, home, candidates, apis, CollectCommand.Cluster, killAfter, killCommand, runs, steps, BenchCommand.Json,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            var cluster = result.GetValue(CollectCommand.Cluster);
            var addresses = result.GetValue(apis) ?? [];
            if (result.GetValue(requests) < 8 || result.GetValue(candidates) < 1 || result.GetValue(runs) < 8 || result.GetValue(steps) < 1)
            {
                throw new ArgumentException("--requests must be at least 8 (two per tenant), --candidates and --prepare-steps at least 1, --prepare-runs at least 8.");
            }

            if ((cluster is null) != (addresses.Length == 0))
            {
                throw new ArgumentException("--cluster and --api go together: the cluster's Redis for the operator's calls, each silo's API address for the tenants'. Without both the bench starts its own silo.");
            }

            if ((result.GetValue(killAfter) is null) != (result.GetValue(killCommand) is null) || (result.GetValue(killAfter) is not null && cluster is null))
            {
                throw new ArgumentException("--kill-silo-after N and --kill-command CMD go together, and only with --cluster (an embedded bench has one silo).");
            }

            var settings = new Settings(Path.GetFullPath(result.GetValue(home)!), result.GetValue(requests), result.GetValue(candidates), cluster,
                addresses.Select(a => new Uri(a.EndsWith('/') ? a : a + "/")).ToArray(), result.GetValue(killAfter), result.GetValue(killCommand),
                result.GetValue(runs), result.GetValue(steps));
            var figures = await Run(settings, cancellation);
            BenchCommand.Report("bench serve", figures.Where(f => f.Value is not IDictionary<string, object>).ToDictionary(), null);
            if (result.GetValue(BenchCommand.Json) is { } json)
            {
                JsonOutput.Write(json, figures);
            }

            return figures["lost"] is 0 ? 0 : 1;
        }));
        return command;
    }

    private sealed record Settings(string Home, int Requests, int Candidates, string? Cluster, Uri[] Apis, int? KillAfter, string? KillCommand, int PrepareRuns, int PrepareSteps);

    private sealed record Tenant(string Name, string Key, TenantQuota Quota, bool OverQuota);

    private sealed record Planned(int Index, Tenant Tenant, string Method, int[] Forget);

    /// <summary>How one request ended: completed (latency from the first submission to completion seen), rejected (with the problem's reason) or lost.</summary>
    private sealed record Ended(Planned Request, string Result, string? Reason, double Seconds, int Submissions);

    private static async Task<Dictionary<string, object>> Run(Settings settings, CancellationToken ct)
    {
        Directory.CreateDirectory(settings.Home);
        var platform = Path.Combine(settings.Home, "platform");
        using var silo = settings.Cluster is null ? await EmbeddedSilo.Start(platform, ct) : null;
        var apis = silo is null ? settings.Apis : [silo.Api];
        var environment = settings.Cluster is null
            ? new Dictionary<string, string> { [Silo.Hosting.LocalPlatformFolder.HomeVariable] = platform, ["COLUMNS"] = "200" }
            : new Dictionary<string, string> { [LetheConnection.ClusterVariable] = settings.Cluster, ["COLUMNS"] = "200" };
        var (model, job, hypernet) = await Prepare(settings, environment, ct);

        // The operator's calls (tenants) go to the same platform the API serves: the silo process's, or the cluster.
        await using var connection = await LetheConnection.Open(settings.Cluster, settings.Cluster is null ? new Dictionary<string, string?> { ["Lethe:Home"] = platform } : null, ct);
        var run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var share = (settings.Requests + 3) / 4;
        var tenants = new List<Tenant>();
        foreach (var (suffix, over) in new[] { ("a", false), ("b", false), ("c", false), ("over", true) })
        {
            // Three fit their load (a day's quota above their share and the warm-up); one gets a fifth of its share.
            var quota = new TenantQuota(MaxConcurrent: 3, MaxPerDay: over ? Math.Max(1, share / 5) : share + ForgetSets.Length + 5);
            var grain = connection.Client.GetGrain<ITenantGrain>($"serve-{run}-{suffix}");
            await grain.SetQuota(quota);
            tenants.Add(new Tenant($"serve-{run}-{suffix}", await grain.IssueKey(), quota, over));
        }

        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(60) };
        using var _ = http;
        var client = new ServiceClient(http, apis, model, job, hypernet, settings.Candidates);
        AnsiConsole.MarkupLine($"[grey]API {string.Join(", ", apis.Select(a => a.ToString()))}; tenants {string.Join(", ", tenants.Select(t => $"{t.Name} ({t.Quota.MaxConcurrent} at once, {t.Quota.MaxPerDay}/day)"))}[/]");

        // Warm-up (not timed): one request per forget set, so every retrained reference is in the registry.
        AnsiConsole.MarkupLine("warming up: one finetune request per forget set (retrained references) ...");
        foreach (var forget in ForgetSets)
        {
            var warm = await client.Complete(new Planned(-1, tenants[0], "finetune", forget), () => { }, ct);
            if (warm.Result != "completed")
            {
                throw new InvalidOperationException($"The warm-up request for {{{string.Join(",", forget)}}} ended {warm.Result}: {warm.Reason}");
            }
        }

        var plan = Enumerable.Range(0, settings.Requests)
            .Select(i => new Planned(i, tenants[i % 4], Methods[(i / 4) % Methods.Length], ForgetSets[(i / 12) % ForgetSets.Length])).ToList();
        var ended = new ConcurrentBag<Ended>();
        var accepted = 0;
        var killed = 0;
        void OnAccepted()
        {
            if (Interlocked.Increment(ref accepted) == settings.KillAfter && Interlocked.Exchange(ref killed, 1) == 0)
            {
                AnsiConsole.MarkupLine($"[yellow]{accepted} submissions accepted: {Markup.Escape(settings.KillCommand!)}[/]");
                using var kill = Process.Start("/bin/sh", ["-c", settings.KillCommand!]);
                kill.WaitForExit();
            }
        }

        var watch = Stopwatch.StartNew();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var bar = ctx.AddTask($"{settings.Requests} requests", maxValue: settings.Requests);
                await Task.WhenAll(tenants.Select(async tenant =>
                {
                    using var slots = new SemaphoreSlim(tenant.Quota.MaxConcurrent);
                    var mine = plan.Where(p => p.Tenant == tenant).Select(async p =>
                    {
                        await slots.WaitAsync(ct);
                        try
                        {
                            ended.Add(await client.Complete(p, OnAccepted, ct));
                            bar.Increment(1);
                        }
                        finally
                        {
                            slots.Release();
                        }
                    });
                    await Task.WhenAll(mine);
                }));
            });
        var seconds = watch.Elapsed.TotalSeconds;
        return Figures(settings, apis, tenants, ended.OrderBy(e => e.Request.Index).ToList(), seconds, silo?.PeakRssBytes(), killed == 1);
    }

    private static Dictionary<string, object> Figures(Settings settings, Uri[] apis, List<Tenant> tenants, List<Ended> ended, double seconds, long? siloPeak, bool killed)
    {
        var completed = ended.Where(e => e.Result == "completed").ToList();
        var table = new Table().Title($"bench serve: {settings.Requests} requests in {seconds:F1} s ({completed.Count / seconds:F2} completed/s)")
            .AddColumns("method", "completed", "p50 s", "p95 s", "p99 s");
        var latency = new Dictionary<string, object>();
        foreach (var method in Methods)
        {
            var times = completed.Where(e => e.Request.Method == method).Select(e => e.Seconds).Order().ToArray();
            if (times.Length == 0)
            {
                continue;
            }

            latency[method] = new Dictionary<string, object>
            {
                ["completed"] = times.Length, ["p50_s"] = BenchScaleCommand.Percentile(times, 0.5), ["p95_s"] = BenchScaleCommand.Percentile(times, 0.95), ["p99_s"] = BenchScaleCommand.Percentile(times, 0.99),
            };
            table.AddRow(method, $"{times.Length}", $"{BenchScaleCommand.Percentile(times, 0.5):F2}", $"{BenchScaleCommand.Percentile(times, 0.95):F2}", $"{BenchScaleCommand.Percentile(times, 0.99):F2}");
        }

        AnsiConsole.Write(table);
        var byTenant = tenants.ToDictionary(t => t.Name, t => (object)new Dictionary<string, object>
        {
            ["over_quota"] = t.OverQuota,
            ["completed"] = ended.Count(e => e.Request.Tenant == t && e.Result == "completed"),
            ["rejected"] = ended.Where(e => e.Request.Tenant == t && e.Result == "rejected").GroupBy(e => e.Reason ?? "unknown").ToDictionary(g => g.Key, g => (object)g.Count()),
            ["lost"] = ended.Count(e => e.Request.Tenant == t && e.Result == "lost"),
        });
        var lost = ended.Where(e => e.Result == "lost").ToList();
        foreach (var e in lost.Take(10))
        {
            AnsiConsole.MarkupLine($"[red]lost: #{e.Request.Index} {e.Request.Method} of {Markup.Escape(e.Request.Tenant.Name)}: {Markup.Escape(e.Reason ?? "")}[/]");
        }

        var figures = new Dictionary<string, object>
        {
            ["requests"] = settings.Requests,
            ["seconds"] = seconds,
            ["completed"] = completed.Count,
            ["completed_per_s"] = completed.Count / seconds,
            ["rejected"] = ended.Count(e => e.Result == "rejected"),
            ["rejected_by_reason"] = ended.Where(e => e.Result == "rejected").GroupBy(e => e.Reason ?? "unknown").ToDictionary(g => g.Key, g => (object)g.Count()),
            ["lost"] = lost.Count,
            ["resubmissions"] = ended.Sum(e => Math.Max(0, e.Submissions - 1)),
            ["only_over_quota_tenant_rejected"] = ended.Where(e => e.Result == "rejected").All(e => e.Request.Tenant.OverQuota),
            ["latency_by_method"] = latency,
            ["by_tenant"] = byTenant,
            ["candidates"] = settings.Candidates,
            ["apis"] = string.Join(",", apis.Select(a => a.ToString())),
            ["silo_killed"] = killed,
            ["load_average_1min"] = BenchTrainCommand.LoadAverage(),
        };
        if (siloPeak is { } peak)
        {
            // Known for the silo process the bench started; a cluster's silos are measured by their own metrics.
            figures["silo_peak_rss_gb"] = peak / 1e9;
        }

        return figures;
    }

    /// <summary>The model to unlearn, a small collected dataset and a DiHyFo-2 hypernetwork trained on it, made once per home by child <c>lethe</c> commands.</summary>
    private static async Task<(byte[] Model, string Job, string Hypernet)> Prepare(Settings settings, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var original = Path.Combine(settings.Home, "original.safetensors");
        if (!File.Exists(original))
        {
            AnsiConsole.MarkupLine("training the model the tenants unlearn ...");
            (await ChildMeasurement.Run(["train-original", "--preset", "mnist4", "--out", original], environment, ct)).Succeeded("lethe train-original");
        }

        AnsiConsole.MarkupLine($"the DiHyFo-2 dataset ({settings.PrepareRuns} runs) ...");
        var collect = (await ChildMeasurement.Run(["collect", "--preset", "mnist4", "--runs", settings.PrepareRuns.ToString(CultureInfo.InvariantCulture), "--out", Path.Combine(settings.Home, $"data-{settings.PrepareRuns}")], environment, ct))
            .Succeeded("lethe collect");
        var job = BenchScaleCommand.JobLine().Match(collect.Output) is { Success: true } m ? m.Groups[1].Value : throw new InvalidDataException("lethe collect printed no job id.");
        var name = $"serve-{job}-{settings.PrepareSteps}";
        AnsiConsole.MarkupLine($"the DiHyFo-2 hypernetwork ({settings.PrepareSteps} cpu-preset steps) ...");
        var steps = settings.PrepareSteps.ToString(CultureInfo.InvariantCulture);
        (await ChildMeasurement.Run(["train", "--variant", "dihyfo2", "--preset", "cpu", "--steps", steps, "--eval-every", steps, "--data", job, "--name", name,
            "--root", Path.Combine(settings.Home, "hypernets")], environment, ct)).Succeeded("lethe train");
        return (await File.ReadAllBytesAsync(original, ct), job, name);
    }

    /// <summary>A tenant's view of the API: submit (resubmitting after 429 concurrency or a lost connection), poll, download and verify.</summary>
    private sealed class ServiceClient(HttpClient http, Uri[] apis, byte[] model, string job, string hypernet, int candidates)
    {
        private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(10);
        private int _next;

        public async Task<Ended> Complete(Planned request, Action onAccepted, CancellationToken ct)
        {
            var watch = Stopwatch.StartNew();
            var idempotencyKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var submissions = 0;
            string? id = null;
            while (id is null)
            {
                if (watch.Elapsed > Deadline)
                {
                    return new Ended(request, "lost", "never accepted before the deadline", watch.Elapsed.TotalSeconds, submissions);
                }

                submissions++;
                var (status, body, retryAfter) = await Send(() => Submission(request, idempotencyKey), ct);
                if (status == HttpStatusCode.Accepted || status == HttpStatusCode.OK)
                {
                    id = body.GetProperty("id").GetString();
                    onAccepted();
                }
                else if (status == HttpStatusCode.TooManyRequests && Reason(body) == "concurrent_quota")
                {
                    await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1), ct);
                }
                else if ((int)status >= 400 && (int)status < 500)
                {
                    return new Ended(request, "rejected", Reason(body) ?? ((int)status).ToString(CultureInfo.InvariantCulture), watch.Elapsed.TotalSeconds, submissions);
                }
                else
                {
                    // 5xx or no answer (a silo went away): the same Idempotency-Key makes the retry the same request.
                    await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                }
            }

            while (watch.Elapsed < Deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
                var (status, body, _) = await Send(() => new HttpRequestMessage(HttpMethod.Get, $"v1/requests/{id}") { Headers = { { "X-Api-Key", request.Tenant.Key } } }, ct);
                if (status != HttpStatusCode.OK)
                {
                    continue;
                }

                switch (body.GetProperty("status").GetString())
                {
                    case "Completed":
                        var seconds = watch.Elapsed.TotalSeconds;
                        var expected = body.GetProperty("modelSha256").GetString();
                        var bytes = await Download(id, request.Tenant.Key, ct);
                        return bytes is not null && Convert.ToHexStringLower(SHA256.HashData(bytes)) == expected
                            ? new Ended(request, "completed", null, seconds, submissions)
                            : new Ended(request, "lost", $"request {id}: the downloaded model does not match SHA-256 {expected}", seconds, submissions);
                    case "Running":
                        continue;
                    default:
                        return new Ended(request, "lost", $"request {id} ended {body.GetProperty("status").GetString()}: {(body.TryGetProperty("error", out var e) ? e.GetString() : "")}", watch.Elapsed.TotalSeconds, submissions);
                }
            }

            return new Ended(request, "lost", $"request {id} did not complete within {Deadline.TotalMinutes:F0} min", watch.Elapsed.TotalSeconds, submissions);
        }

        private HttpRequestMessage Submission(Planned request, string idempotencyKey)
        {
            var query = $"method={Uri.EscapeDataString(request.Method)}&forget={string.Join(",", request.Forget)}&preset=mnist4&seed=1";
            if (request.Method == "dihyfo2")
            {
                query += $"&hypernet={Uri.EscapeDataString(hypernet)}&checkpoints={job}&candidates={candidates}";
            }

            return new HttpRequestMessage(HttpMethod.Post, $"v1/requests?{query}")
            {
                Content = new ByteArrayContent(model) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
                Headers = { { "X-Api-Key", request.Tenant.Key }, { "Idempotency-Key", idempotencyKey } },
            };
        }

        private async Task<byte[]?> Download(string id, string key, CancellationToken ct)
        {
            for (var attempt = 0; attempt < apis.Length * 3; attempt++)
            {
                try
                {
                    using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(Api(), $"v1/requests/{id}/model")) { Headers = { { "X-Api-Key", key } } };
                    using var response = await http.SendAsync(get, ct);
                    if (response.IsSuccessStatusCode)
                    {
                        return await response.Content.ReadAsByteArrayAsync(ct);
                    }
                }
                catch (HttpRequestException)
                {
                }

                Failover();
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }

            return null;
        }

        /// <summary>One call on the current API address; a connection failure or 5xx moves to the next address.</summary>
        private async Task<(HttpStatusCode Status, JsonElement Body, TimeSpan? RetryAfter)> Send(Func<HttpRequestMessage> message, CancellationToken ct)
        {
            try
            {
                using var request = message();
                request.RequestUri = new Uri(Api(), request.RequestUri!);
                using var response = await http.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                var body = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
                if ((int)response.StatusCode >= 500)
                {
                    Failover();
                }

                return (response.StatusCode, body, response.Headers.RetryAfter?.Delta);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
            {
                Failover();
                return (HttpStatusCode.ServiceUnavailable, default, null);
            }
        }

        private Uri Api() => apis[Volatile.Read(ref _next) % apis.Length];

        private void Failover() => Interlocked.Increment(ref _next);

        private static string? Reason(JsonElement problem) =>
            problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("reason", out var r) ? r.GetString() : null;
    }

    /// <summary>A <c>lethe-silo</c> process in the Local profile on loopback (HTTP API, gateway), hosting the bench's platform folder.</summary>
    private sealed class EmbeddedSilo : IDisposable
    {
        private readonly Process _process;

        private EmbeddedSilo(Process process, Uri api)
        {
            _process = process;
            Api = api;
        }

        public Uri Api { get; }

        public static async Task<EmbeddedSilo> Start(string platform, CancellationToken ct)
        {
            var silo = Path.Combine(AppContext.BaseDirectory, "lethe-silo.dll");
            if (!File.Exists(silo))
            {
                throw new FileNotFoundException($"The bench starts the silo {silo}, which is not next to this lethe build; build the solution (scripts/test.sh builds it).");
            }

            var port = LetheConnection.FreePort();
            var start = new ProcessStartInfo("dotnet", [silo]) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            start.Environment["Lethe__Profile"] = "Local";
            start.Environment["Lethe__Home"] = platform;
            start.Environment[Silo.Hosting.LocalPlatformFolder.HomeVariable] = platform;
            start.Environment["Lethe__SiloPort"] = LetheConnection.FreePort().ToString(CultureInfo.InvariantCulture);
            start.Environment["Lethe__GatewayPort"] = LetheConnection.FreePort().ToString(CultureInfo.InvariantCulture);
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            start.Environment["POD_NAME"] = "bench-serve";
            var process = Process.Start(start) ?? throw new InvalidOperationException("Cannot start lethe-silo.");
            var log = Path.Combine(platform, "silo.log");
            Directory.CreateDirectory(platform);
            var writer = new StreamWriter(log) { AutoFlush = true };
            process.OutputDataReceived += (_, e) => { lock (writer) { writer.WriteLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (writer) { writer.WriteLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var result = new EmbeddedSilo(process, new Uri($"http://127.0.0.1:{port}/"));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            AnsiConsole.MarkupLine($"starting lethe-silo on {result.Api} (platform {Markup.Escape(platform)}) ...");
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"lethe-silo exited with {process.ExitCode} before it was ready; its output is in {log}.");
                }

                try
                {
                    if ((await http.GetAsync(new Uri(result.Api, "health/ready"), ct)).IsSuccessStatusCode)
                    {
                        return result;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                }

                if (DateTime.UtcNow > deadline)
                {
                    result.Dispose();
                    throw new TimeoutException($"lethe-silo was not ready within 2 minutes; its output is in {log}.");
                }

                await Task.Delay(250, ct);
            }
        }

        public long? PeakRssBytes() => ChildMeasurement.MemoryOf(_process.Id)?.Hwm;

        /// <summary>SIGTERM (the silo shuts down and releases its platform folder), SIGKILL after 20 s.</summary>
        public void Dispose()
        {
            if (!_process.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    term.WaitForExit();
                }

                if (!_process.WaitForExit(20_000))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }

            _process.Dispose();
        }
    }
}
