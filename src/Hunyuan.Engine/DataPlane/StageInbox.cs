using System.Collections.Concurrent;
using Hunyuan.Engine.Collectives;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The receiving end of a pipeline link: activations (or failure notices) from the previous stage's rank arrive on its
/// connection and wait here, by step, until this rank's thread takes them. A lost connection fails every waiting receive
/// at once (not after the timeout), and later ones unless the peer connects again within <see cref="LinkHealth.ReconnectGrace"/>.
/// </summary>
public sealed class StageInbox(long hiddenSize, long maxRows, TimeSpan timeout) : IStageLink, IDisposable
{
    /// <summary>Steps the previous stage may run ahead of this one; more undelivered steps means a broken peer.</summary>
    public const int MaxPendingSteps = 64;

    private readonly ConcurrentDictionary<long, Slot> _slots = new();
    private readonly LinkHealth _link = new();

    public long MaxActivationBytes => ActivationFrame.HeaderBytes + (maxRows * hiddenSize * 4);

    public void Send(long stepId, torch.Tensor hidden) => throw new InvalidOperationException("a stage inbox only receives");

    public void SendFailure(long stepId, string reason) => throw new InvalidOperationException("a stage inbox only receives");

    public torch.Tensor Receive(long stepId)
    {
        var slot = _slots.GetOrAdd(stepId, _ => new Slot());
        try
        {
            var waitStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            if (!slot.Wait(timeout, () => _link.FailureFor(waitStarted)))
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for step {stepId}'s activations from the previous stage; none came");
            }

            return slot.Take(stepId);
        }
        finally
        {
            _slots.TryRemove(stepId, out _);
        }
    }

    /// <summary>Reads the previous stage's connection until it closes; a protocol error drops it (the caller closes it).</summary>
    public async Task ServePeerAsync(FrameConnection connection, CancellationToken cancellationToken)
    {
        connection.MaxActivationBytes = MaxActivationBytes;
        _link.Connected();
        try
        {
            while (await connection.ReceiveAsync(cancellationToken) is { } frame)
            {
                switch (frame.Kind)
                {
                    case FrameKind.Activation:
                        var (step, hidden) = ActivationFrame.Decode(frame.Payload, hiddenSize, connection.Peer);
                        if (hidden.shape[0] > maxRows)
                        {
                            hidden.Dispose();
                            throw new InvalidDataException($"{connection.Peer} sent step {step} with {hidden.shape[0]} rows; a step has at most {maxRows}");
                        }

                        SlotFor(step, connection.Peer).Deliver(hidden, null);
                        break;
                    case FrameKind.StageFailure:
                        var (failed, reason) = DecodeFailure(frame.Payload);
                        SlotFor(failed, connection.Peer).Deliver(null, reason);
                        break;
                    default:
                        throw new InvalidDataException($"{connection.Peer} sent a {frame.Kind} frame on a pipeline link");
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

    /// <summary>Fails every waiting receive (the peer is gone) and drops undelivered activations.</summary>
    public void Break(string reason)
    {
        _link.Broke(reason);
        foreach (var slot in _slots.Values)
        {
            slot.Wake();
        }
    }

    /// <summary>Drops activations no step will take (after a reset of the ranks).</summary>
    public void Drain()
    {
        foreach (var (step, slot) in _slots)
        {
            if (_slots.TryRemove(step, out _))
            {
                slot.Wake();
                slot.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Break("the rank is unloading");
        foreach (var slot in _slots.Values)
        {
            slot.Dispose();
        }

        _slots.Clear();
    }

    internal static ReadOnlyMemory<byte> EncodeFailure(long stepId, string reason) => new WireWriter().I64(stepId).Str(reason).Written;

    private static (long Step, string Reason) DecodeFailure(byte[] payload)
    {
        var r = new WireReader(payload);
        var result = (r.I64(), r.Str());
        r.End();
        return result;
    }

    private Slot SlotFor(long step, string peer)
    {
        if (!_slots.ContainsKey(step) && _slots.Count >= MaxPendingSteps)
        {
            throw new InvalidDataException($"{peer} is {MaxPendingSteps} steps ahead of this rank; dropping it");
        }

        return _slots.GetOrAdd(step, _ => new Slot());
    }

    private sealed class Slot : IDisposable
    {
        private readonly ManualResetEventSlim _done = new();
        private torch.Tensor? _hidden;
        private string? _failure;

        public void Deliver(torch.Tensor? hidden, string? failure)
        {
            if (_done.IsSet)
            {
                hidden?.Dispose();
                throw new InvalidDataException("the previous stage sent a step twice");
            }

            _hidden = hidden;
            _failure = failure;
            _done.Set();
        }

        public void Wake() => _done.Set();

        /// <summary>Waits in short slices so a broken connection is noticed within a slice, not at the timeout.</summary>
        public bool Wait(TimeSpan timeout, Func<string?> broken)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!_done.Wait(TimeSpan.FromMilliseconds(100)))
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

        public torch.Tensor Take(long stepId)
        {
            if (_failure is not null)
            {
                throw new DataPlaneException($"step {stepId} failed on the previous stage: {_failure}");
            }

            return _hidden ?? throw new DataPlaneException($"step {stepId}: the previous stage's connection was lost");
        }

        public void Dispose()
        {
            _hidden?.Dispose();
            _done.Dispose();
        }
    }
}
