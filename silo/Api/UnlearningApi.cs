using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Lethe.Contracts.Unlearning;
using Lethe.Grains.Telemetry;
using Lethe.ML.Evaluation;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Lethe.Silo.Api;

/// <summary>
/// The tenants' <c>/v1</c> API. Callers authenticate with <c>X-Api-Key: {tenant}.{secret}</c> (or
/// <c>Authorization: Bearer {tenant}.{secret}</c>) before any other check, except a body over the model limit, refused
/// (413) before it is read. Every error is problem details naming what was wrong (<c>field</c>) and a bounded
/// <c>reason</c>: 400 invalid field, 401 key, 404 unknown or another tenant's request (the same answer), 409
/// idempotency key reused with another body / result not ready, 413 too large, 415 content type, 429 quota with
/// <c>Retry-After</c>. Request ids are made here (128 random bits) and live under the tenant's name, so an id from
/// another tenant or a guessed one is only ever a 404.
/// </summary>
public static partial class UnlearningApi
{
    public const string ApiKeyHeader = "X-Api-Key";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Largest model upload by default (bytes); <c>Lethe:Api:MaxModelBytes</c> overrides it.</summary>
    public const long DefaultMaxModelBytes = 16L << 20;

    /// <summary>Seconds a caller refused for its concurrent quota is asked to wait.</summary>
    public const int ConcurrentRetrySeconds = 5;

    public static readonly string[] UploadTypes = ["application/octet-stream", "multipart/form-data"];

    public static WebApplicationBuilder AddLetheUnlearningApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi("v1");
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        return builder;
    }

    public static WebApplication MapLetheUnlearningApi(this WebApplication app)
    {
        var maxModelBytes = app.Configuration.GetValue("Lethe:Api:MaxModelBytes", DefaultMaxModelBytes);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // 413 before authentication and before a byte of the body is read; the limit also binds chunked bodies.
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/v1") && HttpMethods.IsPost(http.Request.Method))
            {
                if (http.Request.ContentLength > maxModelBytes + FieldAllowance)
                {
                    await TooLarge(maxModelBytes).ExecuteAsync(http);
                    return;
                }

                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = maxModelBytes + FieldAllowance;
                }
            }

            await next(http);
        });

        app.MapOpenApi("/openapi/{documentName}.json");
        var v1 = app.MapGroup("/v1/requests").WithTags("requests");
        v1.MapPost("", (HttpContext http, IClusterClient grains, LetheMetrics metrics) => Submit(http, grains, metrics, maxModelBytes))
            .WithName("SubmitRequest")
            .WithSummary("Submit an unlearning request: the model as a raw safetensors body (fields in the query) or multipart (a 'model' file and fields)")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // Documented here rather than with Accepts(): content-type routing would answer 415 before authentication.
                operation.RequestBody = SubmitBody();
                operation.Parameters ??= [];
                foreach (var (name, type, description) in SubmitFields)
                {
                    operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter
                    {
                        Name = name,
                        In = Microsoft.OpenApi.ParameterLocation.Query,
                        Description = description + " (with a raw safetensors body; a form field of the same name in multipart)",
                        Schema = new Microsoft.OpenApi.OpenApiSchema { Type = type },
                    });
                }

                operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter
                {
                    Name = IdempotencyKeyHeader,
                    In = Microsoft.OpenApi.ParameterLocation.Header,
                    Description = "Per tenant: a replay of the same request returns it (200, no quota); another request under the key is 409.",
                    Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String },
                });
                return Task.CompletedTask;
            })
            .Produces<UnlearningRequestView>(StatusCodes.Status202Accepted)
            .Produces<UnlearningRequestView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .DisableAntiforgery();
        v1.MapGet("", List).WithName("ListRequests").WithSummary("The tenant's requests, newest first")
            .Produces<UnlearningRequestPage>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized);
        v1.MapGet("/{id}", Get).WithName("GetRequest").WithSummary("Status, progress and headline figures of one request")
            .Produces<UnlearningRequestView>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        v1.MapGet("/{id}/model", Model).WithName("DownloadModel").WithSummary("The unlearned model (safetensors)")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/octet-stream").ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        v1.MapGet("/{id}/report.json", (HttpContext http, string id, IClusterClient grains, LetheMetrics metrics) => Report(http, id, "json", grains, metrics))
            .WithName("DownloadReportJson").WithSummary("The unlearning report (JSON)")
            .Produces<JsonElement>(StatusCodes.Status200OK, "application/json").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        v1.MapGet("/{id}/report.md", (HttpContext http, string id, IClusterClient grains, LetheMetrics metrics) => Report(http, id, "md", grains, metrics))
            .WithName("DownloadReportMarkdown").WithSummary("The unlearning report (Markdown)")
            .Produces<string>(StatusCodes.Status200OK, "text/markdown").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        v1.MapGet("/{id}/report.png", (HttpContext http, string id, IClusterClient grains, LetheMetrics metrics) => Report(http, id, "png", grains, metrics))
            .WithName("DownloadReportPng").WithSummary("The unlearning report's figures (PNG)")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/png").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        v1.MapPost("/{id}/cancel", Cancel).WithName("CancelRequest").WithSummary("Stop a running request; a finished one is left as it is")
            .Produces<UnlearningRequestView>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        v1.MapDelete("/{id}", Delete).WithName("DeleteRequest").WithSummary("Stop the request and remove its uploaded model, results and report")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Room beside the model for the other fields of a multipart upload (a list of forget samples: about 150,000 indices).</summary>
    private const long FieldAllowance = 1 << 20;

    private static readonly (string Name, Microsoft.OpenApi.JsonSchemaType Type, string Description)[] SubmitFields =
    [
        ("method", Microsoft.OpenApi.JsonSchemaType.String, "retrain, finetune, neggrad, neggrad+, randomlabel, ssd, tasknegation, dihyfo1, dihyfo2 or invwnn (dihyfo1/dihyfo2 forget classes only)"),
        ("forget", Microsoft.OpenApi.JsonSchemaType.String, "Classes to forget, comma-separated; exclusive with forgetFraction and forgetSamples"),
        ("forgetFraction", Microsoft.OpenApi.JsonSchemaType.Number, "Fraction of the training samples to forget, drawn with seed"),
        ("forgetSamples", Microsoft.OpenApi.JsonSchemaType.String, "Training-sample indices into D to forget, comma-separated (long lists: as a field of a multipart form beside the model)"),
        ("preset", Microsoft.OpenApi.JsonSchemaType.String, "Task preset (mnist4, mnist); default: the one the model's shape fits"),
        ("seed", Microsoft.OpenApi.JsonSchemaType.Integer, "Seed (default 1)"),
        ("candidates", Microsoft.OpenApi.JsonSchemaType.Integer, "dihyfo1/dihyfo2: sampled candidates (1-1024, default 64)"),
        ("hypernet", Microsoft.OpenApi.JsonSchemaType.String, "dihyfo1/dihyfo2: the published hypernetwork"),
        ("hypernetVersion", Microsoft.OpenApi.JsonSchemaType.String, "dihyfo1/dihyfo2: its version (default: the best)"),
        ("checkpoints", Microsoft.OpenApi.JsonSchemaType.String, "dihyfo1/dihyfo2: collection job ids, comma-separated"),
    ];

    private static Microsoft.OpenApi.OpenApiRequestBody SubmitBody()
    {
        var binary = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Format = "binary" };
        var form = new Microsoft.OpenApi.OpenApiSchema
        {
            Type = Microsoft.OpenApi.JsonSchemaType.Object,
            Required = new HashSet<string> { "model", "method" },
            Properties = new Dictionary<string, Microsoft.OpenApi.IOpenApiSchema> { ["model"] = binary },
        };
        foreach (var (name, type, description) in SubmitFields)
        {
            form.Properties[name] = new Microsoft.OpenApi.OpenApiSchema { Type = type, Description = description };
        }

        return new Microsoft.OpenApi.OpenApiRequestBody
        {
            Required = true,
            Description = "The model to unlearn: an MLP safetensors file, raw (fields in the query) or as the 'model' part of a multipart form",
            Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
            {
                ["application/octet-stream"] = new() { Schema = binary },
                ["multipart/form-data"] = new() { Schema = form },
            },
        };
    }

    private static async Task<IResult> Submit(HttpContext http, IClusterClient grains, LetheMetrics metrics, long maxModelBytes)
    {
        if (await Authenticate(http, grains, metrics) is not { } tenant)
        {
            return Unauthorized(http);
        }

        var idempotencyKey = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (http.Request.Headers.ContainsKey(IdempotencyKeyHeader) && !IdempotencyKey().IsMatch(idempotencyKey))
        {
            return Invalid(IdempotencyKeyHeader, "The Idempotency-Key header must be 1-128 printable ASCII characters.");
        }

        UnlearningRequestSpec spec;
        try
        {
            spec = await ReadSpec(http.Request, tenant, maxModelBytes);
        }
        catch (FieldError e)
        {
            return e.Status == StatusCodes.Status415UnsupportedMediaType
                ? Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", e.Message, "unsupported_media_type", e.Field)
                : Invalid(e.Field, e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(maxModelBytes);
        }

        var id = NewId();
        var claimed = false;
        if (idempotencyKey.Length > 0)
        {
            var claim = await grains.GetGrain<ITenantGrain>(tenant).ClaimIdempotencyKey(idempotencyKey, spec.Fingerprint(), id);
            if (claim.Conflict)
            {
                return Problem(StatusCodes.Status409Conflict, "Idempotency key reused", $"Idempotency key '{idempotencyKey}' was used with another request; use a new key for a new request.", "conflict", IdempotencyKeyHeader);
            }

            id = claim.RequestId;
            claimed = !claim.Existing;
        }

        var submission = await grains.GetGrain<IUnlearningRequestGrain>(GrainKey(tenant, id)).TrySubmit(spec);
        if (!submission.Accepted && claimed)
        {
            await grains.GetGrain<ITenantGrain>(tenant).ReleaseIdempotencyKey(idempotencyKey, id);
        }

        return submission switch
        {
            { Outcome: { } outcome, Replay: true } => TypedResults.Ok(UnlearningRequestView.Of(outcome)),
            { Outcome: { } outcome } => TypedResults.Accepted($"/v1/requests/{id}", UnlearningRequestView.Of(outcome)),
            { Reason: "invalid" } => Invalid(submission.Field ?? "request", submission.Message ?? "Invalid request."),
            { Reason: "conflict" } => Problem(StatusCodes.Status409Conflict, "Conflict", submission.Message, "conflict", IdempotencyKeyHeader),
            { Reason: var reason } => QuotaExceeded(http, reason ?? "quota", submission.Message),
        };
    }

    private static async Task<IResult> List(HttpContext http, IClusterClient grains, LetheMetrics metrics, int? offset, int? limit)
    {
        if (await Authenticate(http, grains, metrics) is not { } tenant)
        {
            return Unauthorized(http);
        }

        if (offset is < 0)
        {
            return Invalid("offset", $"offset must be 0 or more; got {offset}.");
        }

        if (limit is < 1 or > 100)
        {
            return Invalid("limit", $"limit must lie between 1 and 100; got {limit}.");
        }

        var page = await grains.GetGrain<ITenantGrain>(tenant).ListRequests(offset ?? 0, limit ?? 20);
        var items = await Task.WhenAll(page.RequestIds.Select(async id => UnlearningRequestView.Of(await grains.GetGrain<IUnlearningRequestGrain>(id).GetOutcome())));
        var next = (offset ?? 0) + items.Length < page.Total ? (offset ?? 0) + items.Length : (int?)null;
        return TypedResults.Ok(new UnlearningRequestPage(items, page.Total, offset ?? 0, next));
    }

    private static async Task<IResult> Get(HttpContext http, string id, IClusterClient grains, LetheMetrics metrics)
    {
        if (await Authenticate(http, grains, metrics) is not { } tenant)
        {
            return Unauthorized(http);
        }

        return await Find(grains, tenant, id) is { } outcome ? TypedResults.Ok(UnlearningRequestView.Of(outcome)) : NotFound(id);
    }

    private static async Task<IResult> Model(HttpContext http, string id, IClusterClient grains, LetheMetrics metrics)
    {
        if (await Authenticate(http, grains, metrics) is not { } tenant)
        {
            return Unauthorized(http);
        }

        if (await Find(grains, tenant, id) is not { } outcome)
        {
            return NotFound(id);
        }

        return await grains.GetGrain<IUnlearningRequestGrain>(GrainKey(tenant, id)).ReadResult("model") is { } bytes
            ? TypedResults.File(bytes, "application/octet-stream", $"{id}.{outcome.Method?.Replace("+", "plus")}.safetensors")
            : NotReady(id, outcome);
    }

    private static async Task<IResult> Report(HttpContext http, string id, string format, IClusterClient grains, LetheMetrics metrics)
    {
        if (await Authenticate(http, grains, metrics) is not { } tenant)
        {
            return Unauthorized(http);
        }

        if (await Find(grains, tenant, id) is not { } outcome)
        {
            return NotFound(id);
        }

        if (await grains.GetGrain<IUnlearningRequestGrain>(GrainKey(tenant, id)).ReadResult("report") is not { } json)
        {
            return NotReady(id, outcome);
        }

        if (format == "json")
        {
            return TypedResults.File(json, "application/json", $"{id}.report.json");
        }

        var report = UnlearningReport.FromJson(System.Text.Encoding.UTF8.GetString(json), $"report of request {id}");
        if (format == "md")
        {
            return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(report.ToMarkdown($"{id}.report.png")), "text/markdown; charset=utf-8", $"{id}.report.md");
        }

        var png = Path.Combine(Path.GetTempPath(), $"lethe-report-{Guid.NewGuid():N}.png");
        try
        {
            ReportPlot.Save(report, png);
            return TypedResults.File(await File.ReadAllBytesAsync(png), "image/png", $"{id}.report.png");
        }
        finally
        {
            File.Delete(png);
        }
    }

    private static async Task<IResult> Cancel(HttpContext http, string id, IClusterClient grains, LetheMetrics metrics)
    {
        if (await Authenticate(http, grains, metrics) is not { } tenant)
        {
            return Unauthorized(http);
        }

        return await Find(grains, tenant, id) is null
            ? NotFound(id)
            : TypedResults.Ok(UnlearningRequestView.Of(await grains.GetGrain<IUnlearningRequestGrain>(GrainKey(tenant, id)).Cancel()));
    }

    private static async Task<IResult> Delete(HttpContext http, string id, IClusterClient grains, LetheMetrics metrics)
    {
        if (await Authenticate(http, grains, metrics) is not { } tenant)
        {
            return Unauthorized(http);
        }

        return await Find(grains, tenant, id) is not null && await grains.GetGrain<IUnlearningRequestGrain>(GrainKey(tenant, id)).Delete()
            ? TypedResults.NoContent()
            : NotFound(id);
    }

    /// <summary>The tenant's request under <paramref name="id"/>, or null: unknown, malformed and other tenants' ids all look the same.</summary>
    private static async Task<UnlearningOutcome?> Find(IClusterClient grains, string tenant, string id)
    {
        if (!PublicId().IsMatch(id))
        {
            return null;
        }

        var outcome = await grains.GetGrain<IUnlearningRequestGrain>(GrainKey(tenant, id)).GetOutcome();
        return outcome.Status == UnlearningStatus.None || outcome.Tenant != tenant ? null : outcome;
    }

    /// <summary>The grain key of a tenant's request: the tenant's name, a dot, the public id (tenant names hold no dot).</summary>
    public static string GrainKey(string tenant, string id) => $"{tenant}.{id}";

    /// <summary>128 random bits, base64url: unguessable, and unique without asking anyone.</summary>
    private static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The tenant the request's key authenticates, or null (a malformed key is counted here, a wrong one by the tenant grain, once).</summary>
    private static async Task<string?> Authenticate(HttpContext http, IClusterClient grains, LetheMetrics metrics)
    {
        var key = http.Request.Headers[ApiKeyHeader].ToString();
        if (key.Length == 0 && http.Request.Headers.Authorization.ToString() is { } authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = authorization["Bearer ".Length..].Trim();
        }

        var dot = key.IndexOf('.');
        if (dot <= 0 || dot == key.Length - 1 || !TenantName().IsMatch(key[..dot]))
        {
            metrics.TenantRejections.Add(1, new KeyValuePair<string, object?>("reason", "invalid_key"));
            return null;
        }

        var tenant = key[..dot];
        return await grains.GetGrain<ITenantGrain>(tenant).Authenticate(key[(dot + 1)..]) ? tenant : null;
    }

    /// <summary>The request's fields and model, from a raw safetensors body with query fields, or from multipart form fields and a 'model' file.</summary>
    private static async Task<UnlearningRequestSpec> ReadSpec(HttpRequest request, string tenant, long maxModelBytes)
    {
        var mediaType = request.ContentType is { } type ? type.Split(';', 2)[0].Trim().ToLowerInvariant() : "";
        byte[] model;
        Func<string, string?> field;
        if (mediaType is "application/octet-stream" or "application/x-safetensors")
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            model = buffer.ToArray();
            field = name => request.Query[name] is { Count: > 0 } values ? values.ToString() : request.Headers[$"X-Lethe-{name}"] is { Count: > 0 } header ? header.ToString() : null;
        }
        else if (mediaType == "multipart/form-data")
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync();
            }
            catch (InvalidDataException e)
            {
                throw new FieldError("model", $"The multipart body is malformed ({e.Message}).");
            }

            if (form.Files.GetFile("model") is not { } file)
            {
                throw new FieldError("model", "The multipart body has no 'model' file; send the safetensors file as a part named 'model'.");
            }

            if (file.Length > maxModelBytes)
            {
                throw new BadHttpRequestException("Model too large.", StatusCodes.Status413PayloadTooLarge);
            }

            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer);
            model = buffer.ToArray();
            field = name => form[name] is { Count: > 0 } values ? values.ToString() : null;
        }
        else
        {
            throw new FieldError("Content-Type", $"Content type '{request.ContentType}' is not accepted; send {string.Join(" or ", UploadTypes)}.", StatusCodes.Status415UnsupportedMediaType);
        }

        if (model.Length > maxModelBytes)
        {
            throw new BadHttpRequestException("Model too large.", StatusCodes.Status413PayloadTooLarge);
        }

        var method = field("method") ?? throw new FieldError("method", $"Name the method ({string.Join(", ", Lethe.ML.Unlearning.UnlearningMethodCatalog.All)}).");
        return new UnlearningRequestSpec(
            model,
            Ints(field("forget"), "forget") ?? [],
            method,
            field("preset"),
            Int(field("seed"), "seed") ?? 1,
            tenant,
            Hypernet: field("hypernet"),
            HypernetVersion: field("hypernetVersion"),
            Checkpoints: field("checkpoints")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Candidates: Int(field("candidates"), "candidates") ?? 64,
            ForgetFraction: field("forgetFraction") is { } fraction
                ? double.TryParse(fraction, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : throw new FieldError("forgetFraction", $"forgetFraction '{fraction}' is not a number.")
                : null,
            ForgetSamples: Ints(field("forgetSamples"), "forgetSamples"));
    }

    private static int? Int(string? text, string name) =>
        text is null ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new FieldError(name, $"{name} '{text}' is not an integer.");

    private static int[]? Ints(string? text, string name) =>
        text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => Int(t, name)!.Value).ToArray();

    private static IResult Invalid(string field, string message) =>
        Problem(StatusCodes.Status400BadRequest, "Invalid request", message, "invalid", field);

    private static IResult NotFound(string id) =>
        Problem(StatusCodes.Status404NotFound, "Not found", $"No unlearning request {id}.", "not_found", "id");

    private static IResult NotReady(string id, UnlearningOutcome outcome) =>
        Problem(StatusCodes.Status409Conflict, "Not completed", $"Request {id} is {outcome.Status.ToString().ToLowerInvariant()}; its results exist once it completed.", "not_completed", "status");

    private static IResult TooLarge(long maxModelBytes) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Model too large", $"The model must be at most {maxModelBytes} bytes.", "too_large", "model");

    private static IResult Unauthorized(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{ApiKeyHeader}\", Bearer";
        return Problem(StatusCodes.Status401Unauthorized, "Invalid API key", $"Send a valid API key in the {ApiKeyHeader} header ({{tenant}}.{{secret}}) or as a Bearer token.", "invalid_key", ApiKeyHeader);
    }

    private static IResult QuotaExceeded(HttpContext http, string reason, string? message)
    {
        var now = DateTimeOffset.UtcNow;
        var seconds = reason == "daily_quota" ? (int)Math.Ceiling((now.Date.AddDays(1) - now.UtcDateTime).TotalSeconds) : ConcurrentRetrySeconds;
        http.Response.Headers.RetryAfter = Math.Max(1, seconds).ToString(CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, "Quota exceeded", message, reason, null);
    }

    private static IResult Problem(int status, string title, string? detail, string reason, string? field)
    {
        var extensions = new Dictionary<string, object?> { ["reason"] = reason };
        if (field is not null)
        {
            extensions["field"] = field;
        }

        return TypedResults.Problem(detail, statusCode: status, title: title, extensions: extensions);
    }

    /// <summary>A field the API itself could not read (before the request reaches its grain).</summary>
    private sealed class FieldError(string field, string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
    {
        public string Field { get; } = field;

        public int Status { get; } = status;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex PublicId();

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex TenantName();

    [System.Text.RegularExpressions.GeneratedRegex("^[\\x21-\\x7E]{1,128}$")]
    private static partial System.Text.RegularExpressions.Regex IdempotencyKey();
}
