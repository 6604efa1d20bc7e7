using System.Diagnostics;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Parallel;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// A tensor-parallel group whose members are on different nodes, over the data plane: each member sends its part of a
/// collective straight to every other member's node as raw tensor bytes (one connection per peer, opened on first
/// use) and combines all parts in member order, so every member gets the same bits. Parts are tagged by step and by
/// the collective's index within it. Traffic is (members - 1) tensors per member per collective; between GPU nodes
/// NCCL is the faster path, this one works everywhere.
/// </summary>
public sealed class PeerCollectiveGroup : ITensorParallelGroup, IDisposable
{
    private readonly PeerConnection?[] _peers;
    private readonly Lock _timingsGate = new();
    private CollectiveTimings _timings;
    private long _step;
    private int _op;

    /// <param name="deployment">Deployment name, epoch and data token, as each peer's hello presents them.</param>
    /// <param name="epoch">The deployment's epoch.</param>
    /// <param name="token">The deployment's data token.</param>
    /// <param name="memberRanks">The group's global ranks in member order.</param>
    /// <param name="index">This rank's member index.</param>
    /// <param name="endpointOfRank">The data endpoint of a rank's node, read when a link (re)connects.</param>
    /// <param name="limits">What a peer's part may be.</param>
    /// <param name="timeout">How long a collective waits for a peer.</param>
    public PeerCollectiveGroup(string deployment, string epoch, string token, IReadOnlyList<int> memberRanks, int index, Func<int, string> endpointOfRank, CollectiveLimits limits, TimeSpan timeout)
    {
        Index = index;
        Size = memberRanks.Count;
        Inbox = new CollectiveInbox(memberRanks, index, limits, timeout);
        _peers = new PeerConnection?[memberRanks.Count];
        for (var m = 0; m < memberRanks.Count; m++)
        {
            if (m != index)
            {
                var peer = memberRanks[m];
                _peers[m] = new PeerConnection(new DataPlaneHello(DataPlaneRole.TensorPeer, deployment, epoch, peer, token, FromRank: memberRanks[index]), () => endpointOfRank(peer), timeout);
            }
        }
    }

    /// <summary>The group of <paramref name="me"/>'s stage, with limits from the layout: rows as a stage link takes, widths of the hidden size and the members' vocabulary slices.</summary>
    public static PeerCollectiveGroup For(PartitionPlan plan, RankPlan me, string deployment, string epoch, string token, Func<int, string> endpointOfRank, int maxModelLen, TimeSpan timeout)
    {
        var members = plan.Stage(me.Stage).ToArray();
        var limits = new CollectiveLimits(StageLinks.MaxRows(maxModelLen), [plan.Config.HiddenSize, .. members.Select(m => m.Slice.VocabCount)]);
        return new PeerCollectiveGroup(deployment, epoch, token, members.Select(m => m.Rank).ToArray(), me.TpIndex, endpointOfRank, limits, timeout);
    }

    public int Size { get; }

    public int Index { get; }

    /// <summary>The collectives' cost so far, by phase (see <see cref="CollectiveTimings"/>); take two and subtract for a run.</summary>
    public CollectiveTimings Timings
    {
        get
        {
            lock (_timingsGate)
            {
                return _timings;
            }
        }
    }

    /// <summary>Where the peers' parts arrive; registered with this rank's data endpoint.</summary>
    public CollectiveInbox Inbox { get; }

    public void BeginStep(long stepId)
    {
        _step = stepId;
        _op = 0;
    }

    public void FailStep(long stepId, string reason)
    {
        var payload = CollectivePartFrame.EncodeFailure(stepId, reason);
        foreach (var peer in _peers)
        {
            peer?.TryWrite(c => c.Send(FrameKind.CollectiveFailure, payload.Span));
        }
    }

    public torch.Tensor AllReduceSum(torch.Tensor local)
    {
        var (parts, phases) = Exchange(local);
        try
        {
            var acc = parts[0].clone();
            for (var i = 1; i < parts.Length; i++)
            {
                acc.add_(parts[i]);
            }

            Record(phases);
            return acc;
        }
        finally
        {
            Free(parts, local);
        }
    }

    public torch.Tensor AllGather(torch.Tensor local, long dimension)
    {
        var (parts, phases) = Exchange(local);
        try
        {
            var gathered = torch.cat(parts, dimension);
            Record(phases);
            return gathered;
        }
        finally
        {
            Free(parts, local);
        }
    }

    public void Dispose()
    {
        foreach (var peer in _peers)
        {
            peer?.Dispose();
        }

        Inbox.Dispose();
    }

    // Parts in member order, and the exchange's timestamps: entered, sent, and the accumulated wait and receive ticks.
    private (torch.Tensor[] Parts, ExchangePhases Phases) Exchange(torch.Tensor local)
    {
        var entered = Stopwatch.GetTimestamp();
        var op = _op++;
        using (var host = TensorDevices.ToHost(local))
        using (var contiguous = host.contiguous())
        {
            var header = CollectivePartFrame.Header(_step, op, contiguous.dtype, contiguous.shape);
            foreach (var peer in _peers)
            {
                peer?.Write(c => c.Send(FrameKind.CollectivePart, header.Span, contiguous.bytes));
            }
        }

        var sent = Stopwatch.GetTimestamp();
        var (mark, waitTicks, receiveTicks) = (sent, 0L, 0L);
        var parts = new torch.Tensor[Size];
        try
        {
            for (var m = 0; m < Size; m++)
            {
                if (m == Index)
                {
                    parts[m] = local;
                    continue;
                }

                using var received = Inbox.Receive(m, _step, op, out var readableAt);
                parts[m] = TensorDevices.On(received, local.device);
                var done = Stopwatch.GetTimestamp();
                readableAt = Math.Clamp(readableAt, mark, done);   // a part already waiting was readable when the wait began
                waitTicks += readableAt - mark;
                receiveTicks += done - readableAt;
                mark = done;
            }

            return (parts, new ExchangePhases(entered, sent, waitTicks, receiveTicks, mark));
        }
        catch
        {
            Free(parts, local);
            throw;
        }
    }

    private void Record(ExchangePhases p)
    {
        var combined = Stopwatch.GetTimestamp();
        var seconds = 1.0 / Stopwatch.Frequency;
        lock (_timingsGate)
        {
            _timings += new CollectiveTimings(
                1, (p.Sent - p.Entered) * seconds, p.WaitTicks * seconds, p.ReceiveTicks * seconds, (combined - p.Received) * seconds);
        }
    }

    private static void Free(torch.Tensor?[] parts, torch.Tensor local)
    {
        foreach (var p in parts)
        {
            if (p is not null && !ReferenceEquals(p, local))
            {
                p.Dispose();
            }
        }
    }

    private readonly record struct ExchangePhases(long Entered, long Sent, long WaitTicks, long ReceiveTicks, long Received);
}
