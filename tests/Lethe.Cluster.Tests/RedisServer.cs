using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Lethe.Cluster.Tests;

/// <summary>Debian's <c>redis-server</c> on a free loopback port, no persistence, stopped with the test.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _folder;

    private RedisServer(Process process, DirectoryInfo folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> Start()
    {
        var port = ClusterPorts.Free();
        var folder = Directory.CreateTempSubdirectory("lethe-redis-");
        var start = new ProcessStartInfo("redis-server", ["--bind", "127.0.0.1", "--port", port.ToString(), "--save", "", "--appendonly", "no", "--dir", folder.FullName])
        {
            RedirectStandardOutput = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed; run scripts/install-deps.sh.", e);
        }

        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        await ClusterPorts.WaitUntilListening(port, TimeSpan.FromSeconds(10));
        return new RedisServer(process, folder, port);
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5_000);
        }

        _process.Dispose();
        _folder.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
