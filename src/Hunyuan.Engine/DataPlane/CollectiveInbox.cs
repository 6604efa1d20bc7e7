using System.Collections.Concurrent;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The receiving end of a tensor-parallel group spanning nodes: each peer member's parts arrive on its own connection
/// and wait here, by (member, step, collective), until this rank's thread takes them. A member's lost connection or
/// its notice that the step failed wakes the waiting take at once, so a dead peer costs a step, not the timeout.
/// </summary>
public sealed class CollectiveInbox : IDisposable
{
    /// <summary>
    /// Parts one member may have waiting here. A member cannot run more than one collective ahead (each needs this
    /// rank's part to complete), so more than this means a broken or hostile peer.
    /// </summary>
    public const int MaxPendingPartsPerMember = 8;

    private readonly ConcurrentDictionary<(int Member, long Step, int Op), Slot> _slots = new();
    private readonly ConcurrentDictionary<long, string> _failedSteps = new();
    private readonly IReadOnlyList<int> _memberRanks;
    private readonly LinkHealth[] _links;
    private readonly int[] _pending;
    private readonly TimeSpan _timeout;
    private long _currentStep = long.MinValue;

    public CollectiveInbox(IReadOnlyList<int> memberRanks, int index, CollectiveLimits limits, TimeSpan timeout)
    {
        _memberRanks = memberRanks;
        Index = index;
        Limits = limits;
        _timeout = timeout;
        _links = [.. memberRanks.Select(_ => new LinkHealth())];
        _pending = new int[memberRanks.Count];
    }

    /// <summary>This rank's index in the group.</summary>
    public int Index { get; }

    public CollectiveLimits Limits { get; }

    /// <summary>The member index of a global rank, or -1 when it is not a peer of this rank's group.</summary>
    public int MemberOf(int rank)
    {
        for (var m = 0; m < _memberRanks.Count; m++)
        {
            if (_memberRanks[m] == rank && m != Index)
            {
                return m;
            }
        }

        return -1;
    }

    /// <summary>A new step starts on this rank: parts and failures of earlier steps will never be taken.</summary>
    public void BeginStep(long stepId)
    {
        Volatile.Write(ref _currentStep, stepId);
        foreach (var key in _slots.Keys.Where(k => k.Step < stepId))
        {
            Drop(key);
        }

        foreach (var step in _failedSteps.Keys.Where(s => s < stepId))
        {
            _failedSteps.TryRemove(step, out _);
        }
    }

    /// <summary>Blocks the rank's thread until <paramref name="member"/>'s part of collective <paramref name="op"/> of the step arrives.</summary>
    public torch.Tensor Receive(int member, long stepId, int op)
    {
        var key = (member, stepId, op);
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        try
        {
            var deadline = DateTime.UtcNow + _timeout;
            var waitStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            while (true)
            {
                var signalled = slot.Wait(TimeSpan.FromMilliseconds(100));
                if (signalled && slot.Take() is { } part)
                {
                    return part;
                }

                if (_failedSteps.TryGetValue(stepId, out var failure))
                {
                    throw new DataPlaneException($"step {stepId} failed on a tensor-parallel peer: {failure}");
                }

                if (_links[member].FailureFor(waitStarted) is { } reason)
                {
                    throw new DataPlaneException($"tensor-parallel peer rank {_memberRanks[member]} is unreachable: {reason}");
                }

                if (signalled)
                {
                    throw new DataPlaneException($"step {stepId}: rank {_memberRanks[member]}'s part of collective {op} was dropped (the ranks were reset)");
                }

                if (DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException($"waited {_timeout.TotalSeconds:F0} s for rank {_memberRanks[member]}'s part of step {stepId}'s collective {op}; none came");
                }
            }
        }
        finally
        {
            Drop(key);
        }
    }

    /// <summary>Reads one peer member's connection until it closes; a protocol error drops it (the caller closes it).</summary>
    public async Task ServePeerAsync(FrameConnection connection, int fromRank, CancellationToken cancellationToken)
    {
        var member = MemberOf(fromRank);
        if (member < 0)
        {
            throw new InvalidDataException($"{connection.Peer} is not in this rank's tensor-parallel group");
        }

        connection.MaxActivationBytes = Limits.MaxPartBytes;
        _links[member].Connected();
        try
        {
            while (await connection.ReceiveAsync(cancellationToken) is { } frame)
            {
                switch (frame.Kind)
                {
                    case FrameKind.CollectivePart:
                        var (step, op, part) = CollectivePartFrame.Decode(frame.Payload, Limits, connection.Peer);
                        Deliver(member, step, op, part, connection.Peer);
                        break;
                    case FrameKind.CollectiveFailure:
                        var (failed, reason) = CollectivePartFrame.DecodeFailure(frame.Payload);
                        Fail(failed, $"rank {fromRank}: {reason}");
                        break;
                    default:
                        throw new InvalidDataException($"{connection.Peer} sent a {frame.Kind} frame on a tensor-parallel link");
                }
            }

            Break(member, $"rank {fromRank} ({connection.Peer}) closed its connection");
        }
        catch (Exception ex) when (ex is InvalidDataException or DataPlaneException)
        {
            Break(member, ex.Message);
            throw;
        }
    }

    /// <summary>Fails the waits of a step (a member reported it failed, or this rank did).</summary>
    public void Fail(long stepId, string reason)
    {
        if (stepId < Volatile.Read(ref _currentStep))
        {
            return;
        }

        _failedSteps[stepId] = reason;
        foreach (var (key, slot) in _slots)
        {
            if (key.Step == stepId)
            {
                slot.Wake();
            }
        }
    }

    /// <summary>Drops every waiting part and failure (after the driver reset the ranks).</summary>
    public void Drain()
    {
        foreach (var key in _slots.Keys)
        {
            Drop(key);
        }

        _failedSteps.Clear();
    }

    public void Dispose()
    {
        for (var m = 0; m < _links.Length; m++)
        {
            Break(m, "the rank is unloading");
        }

        Drain();
    }

    private void Break(int member, string reason)
    {
        _links[member].Broke(reason);
        foreach (var (key, slot) in _slots)
        {
            if (key.Member == member)
            {
                slot.Wake();
            }
        }
    }

    private void Deliver(int member, long step, int op, torch.Tensor part, string peer)
    {
        if (step < Volatile.Read(ref _currentStep))
        {
            part.Dispose();   // a step this rank already finished or abandoned
            return;
        }

        if (Interlocked.Increment(ref _pending[member]) > MaxPendingPartsPerMember)
        {
            Interlocked.Decrement(ref _pending[member]);
            part.Dispose();
            throw new InvalidDataException($"{peer} has more than {MaxPendingPartsPerMember} parts waiting on this rank; dropping it");
        }

        var slot = _slots.GetOrAdd((member, step, op), _ => new Slot());
        if (!slot.Deliver(part))
        {
            Interlocked.Decrement(ref _pending[member]);
            throw new InvalidDataException($"{peer} sent step {step}'s collective {op} twice");
        }
    }

    private void Drop((int Member, long Step, int Op) key)
    {
        if (_slots.TryRemove(key, out var slot))
        {
            if (slot.Free())
            {
                Interlocked.Decrement(ref _pending[key.Member]);
            }
        }
    }

    // Monitor-based so that a slot dropped while a take waits on it has nothing to dispose under the waiter.
    private sealed class Slot
    {
        private readonly object _gate = new();
        private torch.Tensor? _part;
        private bool _delivered;
        private bool _signalled;

        public bool HasPart
        {
            get
            {
                lock (_gate)
                {
                    return _part is not null;
                }
            }
        }

        public bool Deliver(torch.Tensor part)
        {
            lock (_gate)
            {
                if (_delivered)
                {
                    part.Dispose();
                    return false;
                }

                _delivered = true;
                _part = part;
                _signalled = true;
                Monitor.PulseAll(_gate);
                return true;
            }
        }

        public bool Wait(TimeSpan slice)
        {
            lock (_gate)
            {
                if (!_signalled)
                {
                    Monitor.Wait(_gate, slice);
                }

                return _signalled;
            }
        }

        public void Wake()
        {
            lock (_gate)
            {
                _signalled = true;
                Monitor.PulseAll(_gate);
            }
        }

        public torch.Tensor? Take()
        {
            lock (_gate)
            {
                var part = _part;
                _part = null;
                return part;
            }
        }

        /// <summary>Frees an untaken part; true when this slot had counted against its member's pending parts.</summary>
        public bool Free()
        {
            lock (_gate)
            {
                _part?.Dispose();
                _part = null;
                _signalled = true;
                Monitor.PulseAll(_gate);
                return _delivered;
            }
        }
    }
}
