using System.Net;
using System.Net.Sockets;

namespace Lethe.Testing;

public static class FreePort
{
    /// <summary>
    /// A loopback port nothing listens on right now. Another process may take it before the caller binds it; the
    /// servers here then fail to start and say so, which is rare enough not to retry.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
