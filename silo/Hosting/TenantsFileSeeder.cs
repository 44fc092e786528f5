using System.Text.Json;
using Lethe.Contracts.Unlearning;

namespace Lethe.Silo.Hosting;

/// <summary>
/// Seeds tenant grains from the configured tenants file (<c>Lethe:Tenants:Path</c>, a Secret in a deployment) once the
/// silo has started and again whenever the file changes (polled: a mounted Secret is swapped by symlink, which file
/// watchers miss). The grains are the truth: the file adds key hashes and creates tenants with their quota, and never
/// brings back a key revoked in the grains. The file:
/// <c>{"tenants": [{"name": "acme", "keySha256": ["64 hex digits"], "maxConcurrent": 2, "maxPerDay": 100}]}</c>.
/// </summary>
public sealed class TenantsFileSeeder(IConfiguration configuration, IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<TenantsFileSeeder> log) : BackgroundService
{
    public const string PathKey = "Lethe:Tenants:Path";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration[PathKey] is not { Length: > 0 } path)
        {
            return;
        }

        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        string? seeded = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var text = File.Exists(path) ? await File.ReadAllTextAsync(path, stoppingToken) : null;
                if (text is not null && text != seeded)
                {
                    await Seed(text, path);
                    seeded = text;
                }
            }
            catch (Exception e) when (e is JsonException or ArgumentException or IOException or OrleansException or TimeoutException)
            {
                log.LogError(e, "Tenants file {Path} not applied; fix it and it is read again", path);
            }

            await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task Seed(string text, string path)
    {
        var file = JsonSerializer.Deserialize<TenantsFile>(text, Json) ?? throw new ArgumentException($"{path} holds no tenants.");
        foreach (var tenant in file.Tenants ?? [])
        {
            if (tenant.Name is not { Length: > 0 } name || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') || name.Length > 64)
            {
                throw new ArgumentException($"{path}: tenant name '{tenant.Name}' is not accepted; use 1-64 letters, digits, '-' or '_'.");
            }

            var quota = tenant.MaxConcurrent is null && tenant.MaxPerDay is null ? null : new TenantQuota(tenant.MaxConcurrent ?? 2, tenant.MaxPerDay ?? 100);
            var added = await grains.GetGrain<ITenantGrain>(name).Seed(tenant.KeySha256 ?? [], quota);
            log.LogInformation("Tenant {Tenant} seeded from {Path}: {Added} new key hashes", name, path, added);
        }
    }

    private sealed record TenantsFile(TenantEntry[]? Tenants);

    private sealed record TenantEntry(string? Name, string[]? KeySha256, int? MaxConcurrent, int? MaxPerDay);
}
