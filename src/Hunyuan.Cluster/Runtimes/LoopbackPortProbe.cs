using System.Net;
using System.Net.Sockets;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>The real <see cref="IPortProbe"/> on 127.0.0.1.</summary>
public sealed class LoopbackPortProbe : IPortProbe
{
    public bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
