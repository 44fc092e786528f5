namespace Lethe.Testing;

/// <summary>
/// Azurite's blob service from npm (installed into <c>.lethe/tools</c> by scripts/install-deps.sh) on a free loopback
/// port, in memory, without telemetry, accepting the newer API version Azure.Storage.Blobs sends.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // The documented Azurite development account (public, fixed in Azurite itself).
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly ChildProcess _process;

    private AzuriteServer(string executable)
    {
        Port = FreePort.Next();
        _process = new ChildProcess(executable,
            ["--blobHost", "127.0.0.1", "--blobPort", Port.ToString(), "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry"]);
    }

    public int Port { get; }

    /// <summary>A connection string for Azure.Storage.Blobs (the development account on this server).</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public static async Task<AzuriteServer> Start()
    {
        var executable = Path.Combine(RepositoryPaths.NpmTools, "azurite-blob");
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException($"Azurite is not installed at {executable}; run scripts/install-deps.sh.");
        }

        var server = new AzuriteServer(executable);
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
        return ValueTask.CompletedTask;
    }
}
