using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Lethe.Testing;

/// <summary>
/// A server the tests start and always stop (the whole process tree), keeping the tail of its output for failure
/// messages.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private const int KeptLines = 40;

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly Lock _gate = new();

    /// <param name="fileName">A program on the PATH or a full path.</param>
    /// <param name="environment">Variables set on top of this process's environment.</param>
    public ChildProcess(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        Name = Path.GetFileName(fileName);
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start {fileName} ({e.Message}); scripts/install-deps.sh installs the tools the tests run.", e);
        }

        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process printed (stdout and stderr interleaved).</summary>
    public string Tail()
    {
        lock (_gate)
        {
            return string.Join(Environment.NewLine, _tail);
        }
    }

    /// <summary>
    /// Polls <paramref name="isReady"/> until it answers true; fails at once, with the output's tail, if the process
    /// exits first, and with the tail when the deadline passes.
    /// </summary>
    public Task WaitUntilReady(Func<Task<bool>> isReady, TimeSpan timeout) =>
        Poll.Until(async () =>
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} during start-up:{Environment.NewLine}{Tail()}");
            }

            return await isReady();
        }, timeout, TimeSpan.FromMilliseconds(100), () => $"{Name} never became ready:{Environment.NewLine}{Tail()}");

    /// <summary>Something accepts TCP connections on the loopback <paramref name="port"/>.</summary>
    public static async Task<bool> IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary><paramref name="url"/> answers with a success status; no answer (refused, timed out) is not ready yet.</summary>
    public static async Task<bool> AnswersOk(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL to the whole tree: no shutdown hooks run, as when a machine dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _tail.Enqueue(line);
            while (_tail.Count > KeptLines)
            {
                _tail.Dequeue();
            }
        }
    }
}
