using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Collectives.Nccl;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The sending end of a pipeline link between GPU nodes: for each step a small <see cref="ActivationNotice"/> goes on
/// the TCP link to the next stage's rank, then the tensor itself by the point-to-point transport (NCCL rank 0 of a
/// two-rank communicator), straight from device memory. The notice goes first, so the receiver posts its receive only
/// for a step that was sent, and joins the communicator only once the sender is about to. A failed transfer drops the
/// transport; the next send opens a new generation (a fresh communicator under a new unique id). Failure notices keep
/// going over TCP, as on the socket link.
/// </summary>
/// <param name="hello">Who this rank is to the next stage's rank.</param>
/// <param name="peerEndpoint">The next stage's node's data endpoint, read when the TCP link (re)connects.</param>
/// <param name="timeout">Bounds the TCP writes.</param>
/// <param name="connect">Joins the transport of a generation as its sending end (it publishes the generation's id first).</param>
public sealed class NcclStageSender(DataPlaneHello hello, Func<string> peerEndpoint, TimeSpan timeout, Func<int, INcclPointToPoint> connect) : IStageLink, IDisposable
{
    private readonly PeerConnection _notices = new(hello, peerEndpoint, timeout);
    private readonly Lock _gate = new();
    private INcclPointToPoint? _transport;
    private int _generation = 1;
    private bool _disposed;

    /// <summary>The generation the next send announces (1, then one more after each failed transfer).</summary>
    public int Generation => Volatile.Read(ref _generation);

    public void Send(long stepId, torch.Tensor hidden)
    {
        if (hidden.dim() != 2)
        {
            throw new ArgumentException($"step {stepId}: a stage sends [rows, hidden] activations, not {hidden.dim()} dimensions", nameof(hidden));
        }

        var type = NcclDataTypes.For(hidden.dtype);
        using var contiguous = hidden.contiguous();
        var generation = Generation;
        var notice = new ActivationNotice(stepId, contiguous.dtype, checked((int)contiguous.shape[0]), checked((int)contiguous.shape[1]), generation);
        _notices.Write(c => c.Send(FrameKind.ActivationNotice, notice.Encode().Span));
        try
        {
            var transport = Transport(generation);
            transport.Send(TensorPointers.DataPointer(contiguous), contiguous.NumberOfElements, type);
            transport.WaitComplete(() => null);
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            Drop(generation, ex.Message);
            throw new DataPlaneException($"step {stepId}: the NCCL stage link (generation {generation}) failed: {ex.Message}");
        }
    }

    /// <summary>The next stage fails the step on its own when unreachable, so this notice is best effort.</summary>
    public void SendFailure(long stepId, string reason)
    {
        var payload = StageInbox.EncodeFailure(stepId, reason);
        _notices.TryWrite(c => c.Send(FrameKind.StageFailure, payload.Span));
    }

    public torch.Tensor Receive(long stepId) => throw new InvalidOperationException("an NCCL stage sender only sends");

    public void Dispose()
    {
        INcclPointToPoint? transport;
        lock (_gate)
        {
            _disposed = true;
            transport = _transport;
            _transport = null;
        }

        _notices.Dispose();

        // Abort first: a rank thread still waiting on a transfer is released rather than left to the deadline.
        transport?.Abort("the rank is unloading");
        transport?.Dispose();
    }

    private INcclPointToPoint Transport(int generation)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_transport is { } open)
            {
                return open;
            }
        }

        // Outside the lock: joining blocks until the receiver joins, and an unload must still be able to run.
        var joined = connect(generation);
        lock (_gate)
        {
            if (_disposed)
            {
                joined.Dispose();
                throw new ObjectDisposedException(nameof(NcclStageSender));
            }

            _transport = joined;
            return joined;
        }
    }

    private void Drop(int generation, string reason)
    {
        INcclPointToPoint? transport;
        lock (_gate)
        {
            transport = _transport;
            _transport = null;
            Interlocked.CompareExchange(ref _generation, generation + 1, generation);
        }

        transport?.Abort(reason);
        transport?.Dispose();
    }
}
