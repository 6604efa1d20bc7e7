namespace Hunyuan.Cluster.Runtimes;

/// <summary>Loopback ports: free to bind, or already accepting connections. A seam so the local runtime's logic runs without sockets in tests.</summary>
public interface IPortProbe
{
    bool IsFree(int port);

    Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken);
}
