using System.Diagnostics;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The receiving end of a tensor-parallel group spanning nodes. Each peer member's connection is adopted here when it
/// arrives, and the rank's own thread reads it when the rank needs that member's part: no reader task, no hand-off
/// between threads, so a part costs one wake-up of the waiting rank. A member cannot run ahead of this rank by more
/// than its part of the collective this rank waits in (it needs this rank's part to complete it), so frames arrive in
/// the order they are needed; older ones (of a step abandoned half-way) are read and dropped. A failure notice or a
/// lost connection fails the waiting collective at once, so a dead peer costs a step, not the timeout.
/// </summary>
public sealed class CollectiveInbox : IDisposable
{
    private readonly IReadOnlyList<int> _memberRanks;
    private readonly AdoptedLink[] _links;
    private readonly TimeSpan _timeout;

    public CollectiveInbox(IReadOnlyList<int> memberRanks, int index, CollectiveLimits limits, TimeSpan timeout)
    {
        _memberRanks = memberRanks;
        Index = index;
        Limits = limits;
        _timeout = timeout;
        _links = [.. memberRanks.Select(_ => new AdoptedLink())];
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

    /// <summary>
    /// Reads, on the rank's thread, <paramref name="member"/>'s part of collective <paramref name="op"/> of the step;
    /// <paramref name="readableAt"/> is when that part was found waiting (<see cref="Stopwatch"/> ticks), before it was read.
    /// </summary>
    public torch.Tensor Receive(int member, long stepId, int op, out long readableAt)
    {
        var link = _links[member];
        var rank = _memberRanks[member];
        var waitStarted = Stopwatch.GetTimestamp();
        var deadline = waitStarted + (long)(_timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var (frame, connection) = link.Next(
                $"tensor-parallel peer rank {rank}", waitStarted, deadline, () => $"waited {_timeout.TotalSeconds:F0} s for rank {rank}'s part of step {stepId}'s collective {op}; none came");
            if (Take(frame, connection, link, stepId, op) is { } part)
            {
                readableAt = connection.LastReadableTimestamp;
                return part;
            }
        }
    }

    /// <summary>
    /// Adopts a peer member's connection: the rank's thread reads it from now on. Completes when the connection is given
    /// up (closed, broken, replaced by a newer one from the same member, or the rank unloads); the caller then closes it.
    /// </summary>
    public Task ServePeerAsync(FrameConnection connection, int fromRank, CancellationToken cancellationToken)
    {
        var member = MemberOf(fromRank);
        if (member < 0)
        {
            throw new InvalidDataException($"{connection.Peer} is not in this rank's tensor-parallel group");
        }

        connection.MaxActivationBytes = Limits.MaxPartBytes;
        return _links[member].Adopt(connection, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var link in _links)
        {
            link.Close("the rank is unloading");
        }
    }

    // The frame the wait was for, or null after dropping a stale one; anything out of order breaks the link. Frames of
    // another step are stale whatever their id: step ids grow within a driver, but a new driver starts anywhere.
    private torch.Tensor? Take(Frame frame, FrameConnection connection, AdoptedLink link, long stepId, int op)
    {
        switch (frame.Kind)
        {
            case FrameKind.CollectiveFailure:
                var (failed, reason) = CollectivePartFrame.DecodeFailure(frame.Payload);
                if (failed == stepId)
                {
                    throw new DataPlaneException($"step {failed} failed on a tensor-parallel peer ({connection.Peer}): {reason}");
                }

                return null;
            case FrameKind.CollectivePart:
                torch.Tensor part;
                long step;
                int partOp;
                try
                {
                    (step, partOp, part) = CollectivePartFrame.Decode(frame.Payload, Limits, connection.Peer);
                }
                catch (InvalidDataException ex)
                {
                    link.Release(connection, ex.Message);
                    throw new DataPlaneException(ex.Message, ex);
                }

                if (step == stepId && partOp == op)
                {
                    return part;
                }

                part.Dispose();
                if (step != stepId || partOp < op)
                {
                    return null;   // from a step or collective this rank has left
                }

                var message = $"{connection.Peer} sent step {step}'s collective {partOp} while this rank waits in its collective {op}; a member cannot run ahead";
                link.Release(connection, message);
                throw new DataPlaneException(message);
            default:
                var unexpected = $"{connection.Peer} sent a {frame.Kind} frame on a tensor-parallel link";
                link.Release(connection, unexpected);
                throw new DataPlaneException(unexpected);
        }
    }
}
