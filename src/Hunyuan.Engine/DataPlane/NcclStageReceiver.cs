using System.Diagnostics;
using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Collectives.Nccl;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The receiving end of a pipeline link between GPU nodes. The previous stage's TCP link carries only notices (and
/// failure notices); as with <see cref="StageInbox"/>, the connection is adopted and this rank's own thread reads it when
/// a step needs its input. Each notice is checked against the bounds a socket link's activations get before anything is
/// allocated; then the tensor is allocated on this rank's device, received by the point-to-point transport (NCCL rank 1)
/// and waited for with a deadline. A refused notice, a failure notice, a lost TCP link or a failed transfer fails the
/// step; a failed transfer also drops the transport, and the sender's next notice names a new generation to join.
/// The sender's ncclSend waits for the matching receive, so a notice is always received at once, also one of another
/// step: those activations are kept (at most <see cref="StageInbox.MaxPendingSteps"/>) and dropped once a later step is
/// taken, as the socket link keeps and drops its frames.
/// </summary>
/// <param name="hiddenSize">The only column count accepted.</param>
/// <param name="maxRows">The most rows a step may carry (<see cref="StageLinks.MaxRows"/>).</param>
/// <param name="device">Where received activations are allocated (the transport's device).</param>
/// <param name="timeout">How long a receive waits for its notice, and then for its transfer.</param>
/// <param name="connect">Joins the transport of a generation as its receiving end (it fetches the generation's id).</param>
public sealed class NcclStageReceiver(long hiddenSize, long maxRows, torch.Device device, TimeSpan timeout, Func<int, INcclPointToPoint> connect)
    : IStageInbound
{
    private const string PeerName = "the previous stage";

    private readonly StageLinkReader _reader = new();
    private readonly Lock _gate = new();
    private INcclPointToPoint? _transport;
    private int _transportGeneration;
    private int _failedGeneration;
    private bool _disposed;

    public void Send(long stepId, torch.Tensor hidden) => throw new InvalidOperationException("an NCCL stage receiver only receives");

    public void SendFailure(long stepId, string reason) => throw new InvalidOperationException("an NCCL stage receiver only receives");

    // The sender's ncclSend waits for this side's receive, so a notice's bytes are received as soon as it is read, even
    // for another step (then kept, as the socket link keeps such activations): otherwise the sender could never announce
    // the next.
    public torch.Tensor Receive(long stepId) => _reader.Receive(stepId, timeout, "notice", (frame, connection, waitStarted) =>
    {
        var (step, notice, failure) = Decode(frame, connection);
        return new KeptStep(step, notice is { } n ? ReceiveBytes(step, n, connection, waitStarted) : null, failure);
    });

    /// <summary>
    /// Adopts the previous stage's connection: this rank's thread reads it from now on. Completes when the connection is
    /// given up (closed, broken, replaced by a newer one, or the rank unloads); the caller then closes it.
    /// </summary>
    public Task ServePeerAsync(FrameConnection connection, CancellationToken cancellationToken)
    {
        // Notices are control frames. Activation frames are read (within a socket link's bound) only to be refused with a
        // reason: they come from a sender that chose the socket link, i.e. nodes that disagree on the link kind.
        connection.MaxActivationBytes = StageLinks.MaxActivationBytes(hiddenSize, maxRows);
        return _reader.Link.Adopt(connection, cancellationToken);
    }

    /// <summary>Drops notices no step will take (after a reset of the ranks).</summary>
    public void Drain() => _reader.Clear();

    public void Dispose()
    {
        _reader.Link.Close("the rank is unloading");
        _reader.Clear();
        INcclPointToPoint? transport;
        lock (_gate)
        {
            _disposed = true;
            transport = _transport;
            _transport = null;
        }

        transport?.Abort("the rank is unloading");
        transport?.Dispose();
    }

    private static (long Step, string Reason) DecodeFailure(byte[] payload)
    {
        var r = new WireReader(payload);
        var result = (r.I64(), r.Str());
        r.End();
        return result;
    }

    /// <summary>Allocates the announced tensor on this rank's device (the notice is already checked) and receives it.</summary>
    private torch.Tensor ReceiveBytes(long stepId, ActivationNotice notice, FrameConnection connection, long waitStarted)
    {
        var transport = Transport(stepId, notice.Generation);
        var type = NcclDataTypes.For(notice.DType);
        var hidden = torch.empty([notice.Rows, notice.Columns], notice.DType, device: device);
        try
        {
            transport.Receive(TensorPointers.DataPointer(hidden), hidden.NumberOfElements, type);

            // Nobody reads the TCP link during the transfer: a peer that closed it is seen by polling the socket.
            transport.WaitComplete(() =>
                connection.PeerHasClosed ? $"{PeerName} ({connection.Peer}) closed its connection"
                : _reader.Link.Health.FailureFor(waitStarted) is { } lost ? $"{PeerName} is unreachable: {lost}"
                : null);
            return hidden;
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            hidden.Dispose();
            Drop(notice.Generation, ex.Message);
            throw new DataPlaneException($"step {stepId}: the NCCL stage link (generation {notice.Generation}) failed: {ex.Message}");
        }
    }

    private (long Step, ActivationNotice? Notice, string? Failure) Decode(Frame frame, FrameConnection connection)
    {
        try
        {
            switch (frame.Kind)
            {
                case FrameKind.ActivationNotice:
                    var notice = ActivationNotice.Decode(frame.Payload);
                    return notice.Refusal(hiddenSize, maxRows, connection.Peer) is { } refusal
                        ? throw new InvalidDataException(refusal)
                        : (notice.StepId, notice, null);
                case FrameKind.StageFailure:
                    var (failed, reason) = DecodeFailure(frame.Payload);
                    return (failed, null, reason);
                default:
                    throw new InvalidDataException(
                        $"{connection.Peer} sent a {frame.Kind} frame on an NCCL stage link (do both nodes choose the same stage link? HYC_STAGE_LINK and libnccl.so.2 must agree)");
            }
        }
        catch (InvalidDataException ex)
        {
            // The waiting step fails with the reason, before anything is allocated; the peer is dropped.
            _reader.Link.Release(connection, ex.Message);
            throw new DataPlaneException(ex.Message, ex);
        }
    }

    private INcclPointToPoint Transport(long stepId, int generation)
    {
        INcclPointToPoint? stale;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (generation <= _failedGeneration)
            {
                // The sender has not noticed yet; its own transfer fails and its next notice names a new generation.
                throw new DataPlaneException($"step {stepId}: {PeerName} announced NCCL link generation {generation}, which already failed here");
            }

            if (_transport is { } open && _transportGeneration == generation)
            {
                return open;
            }

            stale = _transport;
            _transport = null;
        }

        stale?.Dispose();
        var joined = connect(generation);
        lock (_gate)
        {
            if (_disposed)
            {
                joined.Dispose();
                throw new ObjectDisposedException(nameof(NcclStageReceiver));
            }

            _transport = joined;
            _transportGeneration = generation;
            return joined;
        }
    }

    private void Drop(int generation, string reason)
    {
        INcclPointToPoint? transport = null;
        lock (_gate)
        {
            _failedGeneration = Math.Max(_failedGeneration, generation);
            if (_transportGeneration == generation)
            {
                transport = _transport;
                _transport = null;
            }
        }

        transport?.Abort(reason);
        transport?.Dispose();
    }
}
