using System.Buffers.Binary;
using System.Net.Sockets;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// Frames over one TCP connection: a 5-byte header (kind, payload length) and the payload. Sends are serialized (a
/// frame is never interleaved with another), from async code or from a rank's own thread. A frame longer than the
/// receiver allows, an unknown kind or a connection closed mid-frame is an error naming the peer; the caller drops
/// the connection.
/// </summary>
public sealed class FrameConnection : IAsyncDisposable, IDisposable
{
    /// <summary>Frames up to this size go out in one write (copied once); larger ones are written in their parts.</summary>
    private const int CoalesceBytes = 64 << 10;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly byte[] _sendHeader = new byte[DataPlaneProtocol.HeaderBytes];
    private readonly byte[] _receiveHeader = new byte[DataPlaneProtocol.HeaderBytes];
    private int _disposed;

    public FrameConnection(Socket socket, string peer)
    {
        socket.NoDelay = true;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Peer = peer;
    }

    /// <summary>Who is at the other end, for error messages ("rank 3 at 10.0.0.2:41234").</summary>
    public string Peer { get; set; }

    /// <summary>When (<see cref="System.Diagnostics.Stopwatch"/> ticks) <see cref="TryReceive"/> last found a frame waiting, before reading it.</summary>
    public long LastReadableTimestamp { get; private set; }

    /// <summary>The largest activation or collective-part payload this side accepts (0: none accepted); control frames have a fixed bound.</summary>
    public long MaxActivationBytes { get; set; }

    public static async Task<FrameConnection> ConnectAsync(string endpoint, string peer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (host, port) = DataEndpoints.Parse(endpoint);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(host, port, cts.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new DataPlaneException($"cannot reach {peer} at {endpoint}: {(ex is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:F0} s" : ex.Message)}", ex);
        }

        return new FrameConnection(socket, $"{peer} at {endpoint}");
    }

    public async ValueTask SendAsync(FrameKind kind, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> tail = default, CancellationToken cancellationToken = default)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            WriteHeader(kind, payload.Length + tail.Length);
            var total = DataPlaneProtocol.HeaderBytes + payload.Length + tail.Length;
            if (total <= CoalesceBytes)
            {
                // One write, as in Send: a header written on its own leaves as a segment of its own, the receiver wakes
                // for its 5 bytes, and on a busy host the sender may lose its core before the payload follows.
                var buffer = Coalesce(payload.Span, tail.Span, total);
                try
                {
                    await _stream.WriteAsync(buffer.AsMemory(0, total), cancellationToken);
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            else
            {
                await _stream.WriteAsync(_sendHeader, cancellationToken);
                await _stream.WriteAsync(payload, cancellationToken);
                if (!tail.IsEmpty)
                {
                    await _stream.WriteAsync(tail, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw new DataPlaneException($"sending to {Peer} failed: {ex.Message}", ex);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>The blocking form, for a rank's own thread (never the Orleans scheduler or the thread pool's async code).</summary>
    public void Send(FrameKind kind, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> tail = default)
    {
        _send.Wait();
        try
        {
            WriteHeader(kind, payload.Length + tail.Length);
            var total = DataPlaneProtocol.HeaderBytes + payload.Length + tail.Length;
            if (total <= CoalesceBytes)
            {
                // One write, one segment: a decode step's activations and collective parts are a few KiB, and three
                // system calls per frame were a visible share of a collective's round trip.
                var buffer = Coalesce(payload, tail, total);
                try
                {
                    _stream.Write(buffer, 0, total);
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            else
            {
                _stream.Write(_sendHeader);
                _stream.Write(payload);
                if (!tail.IsEmpty)
                {
                    _stream.Write(tail);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw new DataPlaneException($"sending to {Peer} failed: {ex.Message}", ex);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>
    /// On a connection this side only writes to: whether the peer has closed it (its FIN or RST is waiting). A write to
    /// such a connection can still succeed locally and the frame is then lost without an error, so a sender checks first.
    /// </summary>
    public bool PeerHasClosed
    {
        get
        {
            try
            {
                return _socket.Poll(TimeSpan.Zero, SelectMode.SelectRead) && _socket.Available == 0;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Spins briefly (yielding the core after a few rounds) until bytes are waiting: a peer that is microseconds from
    /// sending then costs a few polls instead of a sleep and a wake-up. True when bytes arrived meanwhile.
    /// </summary>
    public bool SpinUntilReadable(int rounds)
    {
        var spin = default(SpinWait);
        try
        {
            for (var i = 0; i < rounds; i++)
            {
                if (_socket.Available > 0)
                {
                    return true;
                }

                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return true;   // the read that follows reports it
        }

        return false;
    }

    /// <summary>
    /// The blocking form, for a rank's own thread: false when no frame began within <paramref name="wait"/> (so the caller
    /// can check why it waits); otherwise the frame, or null when the peer closed the connection between frames.
    /// </summary>
    public bool TryReceive(TimeSpan wait, out Frame? frame)
    {
        frame = null;
        try
        {
            if (!_socket.Poll(wait, SelectMode.SelectRead))
            {
                return false;
            }

            LastReadableTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw new DataPlaneException($"the connection to {Peer} failed: {ex.Message}", ex);
        }

        if (!Fill(_receiveHeader, allowCleanEnd: true))
        {
            return true;
        }

        var (kind, length) = CheckedHeader();
        var payload = new byte[length];
        Fill(payload, allowCleanEnd: false);
        frame = new Frame(kind, payload);
        return true;
    }

    /// <summary>The next frame, or null when the peer closed the connection between frames.</summary>
    public async ValueTask<Frame?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (!await FillAsync(_receiveHeader, allowCleanEnd: true, cancellationToken))
        {
            return null;
        }

        var (kind, length) = CheckedHeader();
        var payload = new byte[length];
        await FillAsync(payload, allowCleanEnd: false, cancellationToken);
        return new Frame(kind, payload);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // Already reset by the peer.
            }
            catch (ObjectDisposedException)
            {
            }

            _stream.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private (FrameKind Kind, uint Length) CheckedHeader()
    {
        var kind = (FrameKind)_receiveHeader[0];
        var length = BinaryPrimitives.ReadUInt32LittleEndian(_receiveHeader.AsSpan(1));
        var limit = kind switch
        {
            FrameKind.Activation or FrameKind.CollectivePart => MaxActivationBytes,
            FrameKind.Hello or FrameKind.HelloReply or FrameKind.Step or FrameKind.StepResult or FrameKind.Release or FrameKind.Reset or FrameKind.StageFailure
                or FrameKind.CollectiveFailure or FrameKind.ActivationNotice
                => DataPlaneProtocol.MaxControlFrameBytes,
            _ => throw new InvalidDataException($"{Peer} sent a frame of unknown kind {(byte)kind}"),
        };
        if (length > limit)
        {
            throw new InvalidDataException($"{Peer} sent a {kind} frame of {length} bytes; at most {limit} are accepted here");
        }

        return (kind, length);
    }

    // The header just written, the payload and the tail in one pooled buffer (the caller returns it).
    private byte[] Coalesce(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> tail, int total)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(total);
        _sendHeader.CopyTo(buffer, 0);
        payload.CopyTo(buffer.AsSpan(DataPlaneProtocol.HeaderBytes));
        tail.CopyTo(buffer.AsSpan(DataPlaneProtocol.HeaderBytes + payload.Length));
        return buffer;
    }

    private void WriteHeader(FrameKind kind, int length)
    {
        _sendHeader[0] = (byte)kind;
        BinaryPrimitives.WriteUInt32LittleEndian(_sendHeader.AsSpan(1), (uint)length);
    }

    private bool Fill(Span<byte> buffer, bool allowCleanEnd)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = _stream.Read(buffer[read..]);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                throw new DataPlaneException($"the connection to {Peer} failed: {ex.Message}", ex);
            }

            if (n == 0)
            {
                if (read == 0 && allowCleanEnd)
                {
                    return false;
                }

                throw new DataPlaneException($"{Peer} closed the connection in the middle of a frame");
            }

            read += n;
        }

        return true;
    }

    private async ValueTask<bool> FillAsync(Memory<byte> buffer, bool allowCleanEnd, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer[read..], cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                throw new DataPlaneException($"the connection to {Peer} failed: {ex.Message}", ex);
            }

            if (n == 0)
            {
                if (read == 0 && allowCleanEnd)
                {
                    return false;
                }

                throw new DataPlaneException($"{Peer} closed the connection in the middle of a frame");
            }

            read += n;
        }

        return true;
    }
}
