using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// A node's data-plane listener (one per agent process, on the agent's own address): connections are routed by their
/// hello to the rank they name, which must be registered here, at the epoch and with the token they present. A client
/// that sends garbage, a frame too large or nothing within the hello timeout is dropped without touching any rank.
/// </summary>
public sealed partial class RankDataServer : IAsyncDisposable
{
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<(string Deployment, int Rank), RankDataEndpoint> _ranks = new();
    private readonly ConcurrentDictionary<FrameConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly Socket _listener;
    private Task? _accept;
    private int _disposed;

    public RankDataServer(IPAddress address, int port = 0, ILogger<RankDataServer>? logger = null)
    {
        _logger = logger ?? NullLogger<RankDataServer>.Instance;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, port));
        Endpoint = DataEndpoints.Format((IPEndPoint)_listener.LocalEndPoint!);
    }

    /// <summary>host:port, as nodes report it.</summary>
    public string Endpoint { get; }

    public void Start()
    {
        _listener.Listen(64);
        _accept = Task.Run(AcceptAsync);
    }

    /// <summary>Routes connections for this rank to <paramref name="endpoint"/> until the returned handle is disposed.</summary>
    public IDisposable Register(RankDataEndpoint endpoint)
    {
        _ranks[(endpoint.Deployment, endpoint.Rank)] = endpoint;
        return new Registration(this, endpoint);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var c in _connections.Keys)
        {
            c.Dispose();
        }

        if (_accept is not null)
        {
            await _accept;
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var connection = new FrameConnection(socket, socket.RemoteEndPoint?.ToString() ?? "a client");
        _connections[connection] = 0;
        try
        {
            DataPlaneHello hello;
            using (var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                helloTimeout.CancelAfter(HelloTimeout);
                var first = await connection.ReceiveAsync(helloTimeout.Token);
                if (first is not { Kind: FrameKind.Hello } frame)
                {
                    return;
                }

                hello = DataPlaneHello.Decode(frame.Payload);
            }

            var endpoint = _ranks.GetValueOrDefault((hello.Deployment, hello.Rank));
            var refusal = endpoint is null ? $"no rank {hello.Rank} of deployment '{hello.Deployment}' on this node" : endpoint.Refusal(hello);
            if (refusal is null && hello.Role == DataPlaneRole.Driver)
            {
                await endpoint!.AcceptDriverAsync(hello.Lease);
            }

            await connection.SendAsync(FrameKind.HelloReply, DataPlaneClient.Reply(refusal is null, refusal ?? "ok"), cancellationToken: _stop.Token);
            if (refusal is not null)
            {
                LogRefused(_logger, connection.Peer, hello.ToString(), refusal);
                return;
            }

            connection.Peer = hello.Role == DataPlaneRole.Driver ? $"the driver of {hello.Deployment} ({connection.Peer})" : $"rank {hello.FromRank} ({connection.Peer})";
            switch (hello.Role)
            {
                case DataPlaneRole.Driver:
                    await endpoint!.ServeDriverAsync(connection, hello.Lease, _stop.Token);
                    break;
                case DataPlaneRole.TensorPeer:
                    await endpoint!.Collectives!.ServePeerAsync(connection, hello.FromRank, _stop.Token);
                    break;
                default:
                    await endpoint!.Inbox!.ServePeerAsync(connection, _stop.Token);
                    break;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or DataPlaneException or OperationCanceledException)
        {
            if (!_stop.IsCancellationRequested)
            {
                LogDropped(_logger, connection.Peer, ex.Message);
            }
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            connection.Dispose();
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Data plane: refused {Peer} ({Hello}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string peer, string hello, string reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Data plane: dropped {Peer}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string peer, string reason);

    private sealed class Registration(RankDataServer server, RankDataEndpoint endpoint) : IDisposable
    {
        public void Dispose() => server._ranks.TryRemove(new KeyValuePair<(string, int), RankDataEndpoint>((endpoint.Deployment, endpoint.Rank), endpoint));
    }
}
