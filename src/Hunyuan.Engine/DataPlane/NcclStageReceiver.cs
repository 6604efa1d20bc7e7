using System.Collections.Concurrent;
using System.Diagnostics;
using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Collectives.Nccl;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The receiving end of a pipeline link between GPU nodes. The previous stage's TCP link carries notices (and failure
/// notices); each notice is checked against the bounds a socket link's activations get before it is accepted, so
/// nothing is ever allocated at a size the peer chose beyond them. The rank's thread waits for its step's notice, then
/// allocates the tensor on its own device, receives it by the point-to-point transport (NCCL rank 1) and waits with a
/// deadline. A refused notice, a failure notice, a lost TCP link or a failed transfer fails that step; a failed
/// transfer also drops the transport, and the sender's next notice names a new generation to join.
/// </summary>
/// <param name="hiddenSize">The only column count accepted.</param>
/// <param name="maxRows">The most rows a step may carry (<see cref="StageLinks.MaxRows"/>).</param>
/// <param name="device">Where received activations are allocated (the transport's device).</param>
/// <param name="timeout">How long a receive waits for its notice, and then for its transfer.</param>
/// <param name="connect">Joins the transport of a generation as its receiving end (it fetches the generation's id).</param>
public sealed class NcclStageReceiver(long hiddenSize, long maxRows, torch.Device device, TimeSpan timeout, Func<int, INcclPointToPoint> connect)
    : IStageLink, IDisposable
{
    private readonly ConcurrentDictionary<long, NoticeSlot> _slots = new();
    private readonly LinkHealth _link = new();
    private readonly Lock _gate = new();
    private INcclPointToPoint? _transport;
    private int _transportGeneration;
    private int _failedGeneration;
    private bool _disposed;

    public void Send(long stepId, torch.Tensor hidden) => throw new InvalidOperationException("an NCCL stage receiver only receives");

    public void SendFailure(long stepId, string reason) => throw new InvalidOperationException("an NCCL stage receiver only receives");

    public torch.Tensor Receive(long stepId)
    {
        var slot = _slots.GetOrAdd(stepId, _ => new NoticeSlot());
        try
        {
            var waitStarted = Stopwatch.GetTimestamp();
            if (!slot.Wait(timeout, () => _link.FailureFor(waitStarted)))
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for step {stepId}'s notice from the previous stage; none came");
            }

            var notice = slot.Take(stepId);
            var transport = Transport(stepId, notice.Generation);
            var type = NcclDataTypes.For(notice.DType);
            var hidden = torch.empty([notice.Rows, notice.Columns], notice.DType, device: device);
            try
            {
                transport.Receive(TensorPointers.DataPointer(hidden), hidden.NumberOfElements, type);
                transport.WaitComplete(() => _link.FailureFor(waitStarted) is { } lost ? $"the previous stage is unreachable: {lost}" : null);
                return hidden;
            }
            catch (Exception ex) when (ex is not ObjectDisposedException)
            {
                hidden.Dispose();
                Drop(notice.Generation, ex.Message);
                throw new DataPlaneException($"step {stepId}: the NCCL stage link (generation {notice.Generation}) failed: {ex.Message}");
            }
        }
        finally
        {
            if (_slots.TryRemove(stepId, out var removed))
            {
                removed.Dispose();
            }
        }
    }

    /// <summary>Reads the previous stage's TCP link until it closes; a protocol error or a refused notice drops it.</summary>
    public async Task ServePeerAsync(FrameConnection connection, CancellationToken cancellationToken)
    {
        // Notices are control frames. Activation frames are read (within a socket link's bound) only to be refused with a
        // reason: they come from a sender that chose the socket link, i.e. nodes that disagree on the link kind.
        connection.MaxActivationBytes = ActivationFrame.HeaderBytes + (maxRows * hiddenSize * 4);
        _link.Connected();
        try
        {
            while (await connection.ReceiveAsync(cancellationToken) is { } frame)
            {
                switch (frame.Kind)
                {
                    case FrameKind.ActivationNotice:
                        var notice = ActivationNotice.Decode(frame.Payload);
                        if (notice.Refusal(hiddenSize, maxRows, connection.Peer) is { } refusal)
                        {
                            // That step fails with the reason (not a vaguer lost link); the peer is dropped.
                            SlotFor(notice.StepId, connection.Peer).Deliver(null, refusal);
                            throw new InvalidDataException(refusal);
                        }

                        SlotFor(notice.StepId, connection.Peer).Deliver(notice, null);
                        break;
                    case FrameKind.StageFailure:
                        var (failed, reason) = DecodeFailure(frame.Payload);
                        SlotFor(failed, connection.Peer).Deliver(null, $"step {failed} failed on the previous stage: {reason}");
                        break;
                    default:
                        throw new InvalidDataException(
                            $"{connection.Peer} sent a {frame.Kind} frame on an NCCL stage link (do both nodes choose the same stage link? HYC_STAGE_LINK and libnccl.so.2 must agree)");
                }
            }

            Break($"the previous stage ({connection.Peer}) closed its connection");
        }
        catch (Exception ex) when (ex is InvalidDataException or DataPlaneException)
        {
            Break(ex.Message);
            throw;
        }
    }

    /// <summary>Fails every waiting receive (the peer is gone).</summary>
    public void Break(string reason)
    {
        _link.Broke(reason);
        foreach (var slot in _slots.Values)
        {
            slot.Fail($"the previous stage is unreachable: {reason}");
        }
    }

    /// <summary>Drops notices no step will take (after a reset of the ranks).</summary>
    public void Drain()
    {
        foreach (var (step, slot) in _slots)
        {
            if (_slots.TryRemove(step, out _))
            {
                slot.Fail($"step {step} was dropped by a reset of the ranks");
            }
        }
    }

    public void Dispose()
    {
        Break("the rank is unloading");
        INcclPointToPoint? transport;
        lock (_gate)
        {
            _disposed = true;
            transport = _transport;
            _transport = null;
        }

        transport?.Abort("the rank is unloading");
        transport?.Dispose();
        _slots.Clear();
    }

    private static (long Step, string Reason) DecodeFailure(byte[] payload)
    {
        var r = new WireReader(payload);
        var result = (r.I64(), r.Str());
        r.End();
        return result;
    }

    private INcclPointToPoint Transport(long stepId, int generation)
    {
        INcclPointToPoint? stale = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (generation <= _failedGeneration)
            {
                // The sender has not noticed yet; its own transfer fails and its next notice names a new generation.
                throw new DataPlaneException($"step {stepId}: the previous stage announced NCCL link generation {generation}, which already failed here");
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

    private NoticeSlot SlotFor(long step, string peer)
    {
        if (!_slots.ContainsKey(step) && _slots.Count >= StageInbox.MaxPendingSteps)
        {
            throw new InvalidDataException($"{peer} is {StageInbox.MaxPendingSteps} steps ahead of this rank; dropping it");
        }

        return _slots.GetOrAdd(step, _ => new NoticeSlot());
    }

    private sealed class NoticeSlot : IDisposable
    {
        private readonly ManualResetEventSlim _done = new();
        private readonly Lock _gate = new();
        private ActivationNotice? _notice;
        private string? _failure;

        public void Deliver(ActivationNotice? notice, string? failure)
        {
            lock (_gate)
            {
                if (_done.IsSet)
                {
                    throw new InvalidDataException("the previous stage announced a step twice");
                }

                _notice = notice;
                _failure = failure;
                _done.Set();
            }
        }

        /// <summary>Fails the step unless its notice already came (then the transfer's own wait notices the break).</summary>
        public void Fail(string reason)
        {
            lock (_gate)
            {
                if (!_done.IsSet)
                {
                    _failure = reason;
                    _done.Set();
                }
            }
        }

        /// <summary>Waits in short slices so a broken connection is noticed within a slice, not at the timeout.</summary>
        public bool Wait(TimeSpan timeout, Func<string?> broken)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!_done.Wait(TimeSpan.FromMilliseconds(50)))
            {
                if (broken() is { } reason)
                {
                    throw new DataPlaneException($"the previous stage is unreachable: {reason}");
                }

                if (DateTime.UtcNow >= deadline)
                {
                    return false;
                }
            }

            return true;
        }

        public ActivationNotice Take(long stepId)
        {
            if (_failure is not null)
            {
                throw new DataPlaneException(_failure);
            }

            return _notice ?? throw new DataPlaneException($"step {stepId}: the previous stage's connection was lost");
        }

        public void Dispose() => _done.Dispose();
    }
}
