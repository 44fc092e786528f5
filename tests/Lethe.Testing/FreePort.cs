using System.Net;
using System.Net.Sockets;

namespace Lethe.Testing;

public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A loopback port nothing listens on right now, drawn from 20000-32767: below the ephemeral ranges (Linux
    /// 32768-60999, Windows and macOS 49152-65535), so no outgoing connection of this or another process takes it
    /// between now and the caller's bind (a port the OS picked itself is ephemeral, and one fresh-clone run lost a silo's
    /// HTTP port that way). Never the same port twice in one process. Another listener may still take it first; the
    /// servers here then fail to start and say so.
    /// </summary>
    public static int Next()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 500; attempt++)
            {
                var port = Random.Shared.Next(20000, 32768);
                if (!Given.Add(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // In use: draw another.
                }
            }
        }

        throw new InvalidOperationException("No free loopback port in 20000-32767 after 500 draws.");
    }
}
