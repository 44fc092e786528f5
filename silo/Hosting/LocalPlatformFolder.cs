using System.Text.Json;

namespace Lethe.Silo.Hosting;

/// <summary>
/// The folder an embedded (Local) platform keeps everything in, so every <c>lethe</c> process on a machine sees the same
/// platform: <c>state/</c> (grain state and reminders), <c>artifacts/</c> (the artifact store) and <c>scratch/</c>
/// (silo-local working copies). One process at a time hosts its silo (an exclusive lock on <c>state/silo.lock</c>,
/// released by the OS when the process dies); another process meanwhile connects to that silo's gateway, which the
/// host records in <c>state/gateway.json</c>.
/// </summary>
public sealed class LocalPlatformFolder(string root)
{
    /// <summary>Environment variable naming the folder; default <c>~/.local/share/lethe</c>.</summary>
    public const string HomeVariable = "LETHE_HOME";

    /// <summary>Cluster and service id of a Local platform's silo, which clients attaching to its gateway must present.</summary>
    public const string ClusterId = "lethe-local";

    public string Root { get; } = Path.GetFullPath(root);

    public string StatePath => Path.Combine(Root, "state");

    public string ArtifactsPath => Path.Combine(Root, "artifacts");

    public string ScratchPath => Path.Combine(Root, "scratch");

    private string LockPath => Path.Combine(StatePath, "silo.lock");

    private string GatewayPath => Path.Combine(StatePath, "gateway.json");

    /// <summary>The folder <c>Lethe:Home</c> (env <c>Lethe__Home</c> or <c>LETHE_HOME</c>) names, else the user's default.</summary>
    public static LocalPlatformFolder From(IConfiguration configuration) => new(
        configuration["Lethe:Home"] is { Length: > 0 } configured ? configured
        : Environment.GetEnvironmentVariable(HomeVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "lethe"));

    /// <summary>Takes the right to host this folder's silo; null when another live process holds it. Disposing gives it back.</summary>
    public IDisposable? TryHost()
    {
        Directory.CreateDirectory(StatePath);
        try
        {
            // FileShare.None is an exclusive advisory lock on Unix (flock), dropped with the process however it ends.
            var held = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            File.Delete(GatewayPath);
            return held;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Records where the hosting process's gateway listens (called by the host once its silo is up).</summary>
    public void PublishGateway(int port)
    {
        var partial = $"{GatewayPath}.partial-{Guid.NewGuid():N}";
        File.WriteAllText(partial, JsonSerializer.Serialize(new HostedGateway(Environment.ProcessId, port)));
        File.Move(partial, GatewayPath, overwrite: true);
    }

    /// <summary>
    /// The gateway port of the process hosting this folder's silo; waits up to <paramref name="timeout"/> for a host that
    /// is still starting. Null when no process hosts it any more.
    /// </summary>
    public async Task<int?> HostedGatewayPort(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (File.Exists(GatewayPath) && JsonSerializer.Deserialize<HostedGateway>(await File.ReadAllTextAsync(GatewayPath, ct)) is { } gateway && IsAlive(gateway.ProcessId))
            {
                return gateway.Port;
            }

            if (DateTime.UtcNow > deadline)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private sealed record HostedGateway(int ProcessId, int Port);

    /// <summary>The silo of this folder is hosted by another process already.</summary>
    public sealed class BusyException(LocalPlatformFolder folder) : InvalidOperationException(
        $"Another process hosts the Local platform in {folder.Root}; connect to it (the lethe CLI does so by itself), or set {HomeVariable} (Lethe__Home) to another folder.");

    /// <summary>Records the gateway once the silo has started, so other processes on the machine can connect to it.</summary>
    internal sealed class GatewayPublisher(LocalPlatformFolder folder, IDisposable hosting, int gatewayPort, IHostApplicationLifetime lifetime) : IHostedService, IDisposable
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            // Started fires once every hosted service, the silo included, has started.
            lifetime.ApplicationStarted.Register(() => folder.PublishGateway(gatewayPort));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => hosting.Dispose();
    }
}
