using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lethe.Silo.Health;

/// <summary>
/// Ready once every hosted service (the silo included) has started and until shutdown begins, so a load balancer
/// stops sending work before the silo hands its grains over. Liveness deliberately checks nothing beyond the process.
/// </summary>
public sealed class SiloReadinessCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("shutting down")
            : lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Healthy("silo active")
            : HealthCheckResult.Unhealthy("starting");
        return Task.FromResult(result);
    }
}
