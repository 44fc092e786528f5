using Lethe.Contracts.Unlearning;
using Lethe.Grains.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lethe.Silo.Api;

/// <summary>
/// <c>POST /api/unlearning</c> and <c>GET /api/unlearning/{id}</c>. Callers authenticate with <c>X-Api-Key:
/// {tenant}.{secret}</c>; user errors come back as problem details: 400 (invalid request), 403 (key or quota), 404
/// (unknown request or another tenant's), 409 (the id holds another request).
/// </summary>
public static partial class UnlearningApi
{
    public const string ApiKeyHeader = "X-Api-Key";

    public static WebApplication MapLetheUnlearningApi(this WebApplication app)
    {
        app.MapPost("/api/unlearning", Submit);
        app.MapGet("/api/unlearning/{id}", Get);
        return app;
    }

    private static async Task<IResult> Submit(HttpRequest http, UnlearningApiRequest body, IClusterClient grains, LetheMetrics metrics)
    {
        if (Key(http) is not var (tenantName, secret))
        {
            return InvalidKey(metrics);
        }

        byte[] model;
        try
        {
            model = Convert.FromBase64String(body.Model ?? "");
        }
        catch (FormatException)
        {
            return TypedResults.Problem("The model must be the safetensors file in base64.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");
        }

        var id = body.Id ?? Guid.NewGuid().ToString("N");
        if (!RequestId().IsMatch(id))
        {
            return TypedResults.Problem($"Request id '{id}' is not accepted; use 1-64 letters, digits, '-' or '_'.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");
        }

        var tenant = grains.GetGrain<ITenantGrain>(tenantName);
        var admission = await tenant.Admit(secret, id);
        if (!admission.Admitted)
        {
            return TypedResults.Problem(admission.Message, statusCode: StatusCodes.Status403Forbidden, title: admission.Reason == "invalid_key" ? "Invalid API key" : "Quota exceeded",
                extensions: new Dictionary<string, object?> { ["reason"] = admission.Reason });
        }

        try
        {
            var outcome = await grains.GetGrain<IUnlearningRequestGrain>(id).Submit(new UnlearningRequestSpec(
                model, body.Forget ?? [], body.Method ?? "", body.Preset, body.Seed ?? 1, tenantName,
                Hypernet: body.Hypernet, HypernetVersion: body.HypernetVersion, Checkpoints: body.Checkpoints, Candidates: body.Candidates ?? 64));
            if (outcome.IsFinished)
            {
                // A repeat of a finished request holds no slot.
                await tenant.Release(id);
            }

            return TypedResults.Accepted($"/api/unlearning/{id}", outcome);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            await tenant.Release(id);
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");
        }
        catch (InvalidOperationException e)
        {
            await tenant.Release(id);
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
        }
    }

    private static async Task<IResult> Get(HttpRequest http, string id, IClusterClient grains, LetheMetrics metrics)
    {
        if (Key(http) is not var (tenantName, secret) || !await grains.GetGrain<ITenantGrain>(tenantName).Authenticate(secret))
        {
            return InvalidKey(metrics);
        }

        var outcome = await grains.GetGrain<IUnlearningRequestGrain>(id).GetOutcome();
        // Another tenant's request is reported as unknown, so ids reveal nothing across tenants.
        return outcome.Status == UnlearningStatus.None || outcome.Tenant != tenantName
            ? TypedResults.Problem($"No unlearning request {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found")
            : TypedResults.Ok(outcome);
    }

    private static (string Tenant, string Secret)? Key(HttpRequest http)
    {
        var key = http.Headers[ApiKeyHeader].ToString();
        var dot = key.IndexOf('.');
        return dot > 0 && dot < key.Length - 1 ? (key[..dot], key[(dot + 1)..]) : null;
    }

    private static ProblemHttpResult InvalidKey(LetheMetrics metrics)
    {
        metrics.TenantRejections.Add(1, new KeyValuePair<string, object?>("reason", "invalid_key"));
        return TypedResults.Problem($"Send a valid API key in the {ApiKeyHeader} header ({{tenant}}.{{secret}}).", statusCode: StatusCodes.Status403Forbidden, title: "Invalid API key",
            extensions: new Dictionary<string, object?> { ["reason"] = "invalid_key" });
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex RequestId();
}
