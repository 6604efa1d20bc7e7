using Hunyuan.Engine.Collectives;
using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The sending end of a pipeline link: this rank's connection to the next stage's rank, opened on first use (and again
/// after it broke) at the address the control plane last gave. Sends block the rank's own thread, which is where they
/// are called from.
/// </summary>
public sealed class StageOutbox(DataPlaneHello hello, Func<string> peerEndpoint, TimeSpan timeout) : IStageLink, IDisposable
{
    private readonly object _gate = new();
    private FrameConnection? _connection;

    public void Send(long stepId, torch.Tensor hidden)
    {
        using var host = TensorDevices.ToHost(hidden);
        using var contiguous = host.contiguous();
        var header = ActivationFrame.Header(stepId, contiguous.dtype, contiguous.shape[0], contiguous.shape[1]);
        Write(c => c.Send(FrameKind.Activation, header.Span, contiguous.bytes));
    }

    public void SendFailure(long stepId, string reason)
    {
        try
        {
            var payload = StageInbox.EncodeFailure(stepId, reason);
            Write(c => c.Send(FrameKind.StageFailure, payload.Span));
        }
        catch (DataPlaneException)
        {
            // The next stage is unreachable: it fails the step on its own when its link breaks.
        }
    }

    public torch.Tensor Receive(long stepId) => throw new InvalidOperationException("a stage outbox only sends");

    public void Dispose()
    {
        lock (_gate)
        {
            _connection?.Dispose();
            _connection = null;
        }
    }

    /// <summary>
    /// Sends on the open connection; if that one turns out dead (the next stage's agent restarted), once more on a fresh
    /// one: the new peer has not seen this frame, so sending it again is safe.
    /// </summary>
    private void Write(Action<FrameConnection> send)
    {
        lock (_gate)
        {
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
