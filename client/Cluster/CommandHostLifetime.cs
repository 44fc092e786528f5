using Microsoft.Extensions.Hosting;

namespace Lethe.Client.Cluster;

/// <summary>
/// The host lifetime of the CLI's embedded silo or cluster client: none. The default console lifetime claims Ctrl+C
/// and SIGTERM for the host (it marks them handled and only flags the host as stopping), so the command never saw
/// them; the command's own cancellation (System.CommandLine) stops the work, and disposing the connection stops the host.
/// </summary>
public sealed class CommandHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
