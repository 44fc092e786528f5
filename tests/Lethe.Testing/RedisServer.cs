namespace Lethe.Testing;

/// <summary>Debian's <c>redis-server</c> on a free loopback port, no persistence, stopped with the test.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lethe-redis-");
    private readonly ChildProcess _process;

    private RedisServer()
    {
        Port = FreePort.Next();
        _process = new ChildProcess("redis-server",
            ["--bind", "127.0.0.1", "--port", Port.ToString(), "--save", "", "--appendonly", "no", "--dir", _folder.FullName]);
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> Start()
    {
        var server = new RedisServer();
        try
        {
            await server._process.WaitUntilReady(() => ChildProcess.IsListening(server.Port), TimeSpan.FromSeconds(30));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        _process.Dispose();
        _folder.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
