namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// A rank's outbound connection to another rank (the next pipeline stage, or a tensor-parallel peer on another node),
/// opened on first use (and again after it broke) at the address the control plane last gave. Writes block the rank's
/// own thread, which is where they are called from.
/// </summary>
public sealed class PeerConnection(DataPlaneHello hello, Func<string> peerEndpoint, TimeSpan timeout) : IDisposable
{
    private readonly Lock _gate = new();
    private FrameConnection? _connection;
    private bool _disposed;

    /// <summary>
    /// Sends on the open connection; if that one turns out dead (the peer's agent restarted), once more on a fresh one:
    /// the new peer has not seen this frame, so sending it again is safe.
    /// </summary>
    public void Write(Action<FrameConnection> send)
    {
        lock (_gate)
        {
            // Closed with its rank: a late write must not open a connection nobody will close.
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { PeerHasClosed: true } closed)
            {
                // The peer's agent restarted or dropped the link; a write would vanish without an error.
                closed.Dispose();
                _connection = null;
            }

            var reused = _connection is not null;
            for (var attempt = 0; ; attempt++)
            {
                _connection ??= Open();
                try
                {
                    send(_connection);
                    return;
                }
                catch (DataPlaneException)
                {
                    _connection.Dispose();
                    _connection = null;
                    if (!reused || attempt > 0)
                    {
                        throw;
                    }
                }
            }
        }
    }

    /// <summary>Best effort: a notice the peer may never get because it is unreachable (it notices on its own).</summary>
    public void TryWrite(Action<FrameConnection> send)
    {
        try
        {
            Write(send);
        }
        catch (Exception ex) when (ex is DataPlaneException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _connection?.Dispose();
            _connection = null;
        }
    }

    private FrameConnection Open()
    {
        var endpoint = peerEndpoint();
        var connection = FrameConnection.ConnectAsync(endpoint, $"rank {hello.Rank}", timeout, CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            DataPlaneClient.HandshakeAsync(connection, hello, timeout, CancellationToken.None).GetAwaiter().GetResult();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
