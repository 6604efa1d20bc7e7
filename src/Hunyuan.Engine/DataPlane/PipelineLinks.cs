using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Partitioning;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// A rank's two pipeline links on the data plane, each a socket link or an NCCL one as <see cref="StageLinkSelector"/>
/// chose: the inbound one unless the rank is on the first stage, the outbound one unless on the last.
/// </summary>
public sealed class PipelineLinks : IDisposable
{
    private PipelineLinks(IStageInbound? inbound, IStageLink? outbound)
    {
        Inbound = inbound;
        Outbound = outbound;
    }

    /// <summary>What the rank's worker receives from, and what its data endpoint hands the previous stage's connection.</summary>
    public IStageInbound? Inbound { get; }

    /// <summary>What the rank's worker sends to.</summary>
    public IStageLink? Outbound { get; }

    /// <param name="plan">The deployment's plan.</param>
    /// <param name="me">This rank.</param>
    /// <param name="deployment">Deployment name.</param>
    /// <param name="epoch">The deployment's epoch.</param>
    /// <param name="token">The deployment's data token.</param>
    /// <param name="endpointOfRank">The data endpoint of a rank's node, read when a TCP link (re)connects.</param>
    /// <param name="maxModelLen">Bounds the rows accepted per step.</param>
    /// <param name="timeout">How long a receive waits for the previous stage.</param>
    /// <param name="kindFor">The link kind between this rank and an adjacent stage's rank (the selector's decision).</param>
    /// <param name="nccl">How to join NCCL links; called only when <paramref name="kindFor"/> chooses one.</param>
    public static PipelineLinks Create(
        PartitionPlan plan, RankPlan me, string deployment, string epoch, string token, Func<int, string> endpointOfRank, int maxModelLen, TimeSpan timeout,
        Func<RankPlan, StageLinkKind> kindFor, Func<NcclStageConnector>? nccl)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(me);
        ArgumentNullException.ThrowIfNull(kindFor);
        IStageInbound? inbound = null;
        IStageLink? outbound = null;
        if (me.Stage > 0)
        {
            var previous = plan.Rank(me.Stage - 1, me.TpIndex);
            var maxRows = StageLinks.MaxRows(maxModelLen);
            if (kindFor(previous) == StageLinkKind.Nccl)
            {
                var connector = nccl?.Invoke() ?? throw new InvalidOperationException($"rank {me.Rank}: an NCCL stage link was chosen without an NCCL connector");
                inbound = new NcclStageReceiver(plan.Config.HiddenSize, maxRows, connector.Device, timeout, connector.AsReceiver);
            }
            else
            {
                inbound = new StageInbox(plan.Config.HiddenSize, maxRows, timeout);
            }
        }

        if (me.Stage + 1 < plan.Pp)
        {
            var next = plan.Rank(me.Stage + 1, me.TpIndex);
            var hello = new DataPlaneHello(DataPlaneRole.Peer, deployment, epoch, next.Rank, token, FromRank: me.Rank);
            if (kindFor(next) == StageLinkKind.Nccl)
            {
                var connector = nccl?.Invoke() ?? throw new InvalidOperationException($"rank {me.Rank}: an NCCL stage link was chosen without an NCCL connector");
                outbound = new NcclStageSender(hello, () => endpointOfRank(next.Rank), timeout, connector.AsSender);
            }
            else
            {
                outbound = new StageOutbox(hello, () => endpointOfRank(next.Rank), timeout);
            }
        }

        return new PipelineLinks(inbound, outbound);
    }

    /// <summary>Drops activations or notices no step will take (after a reset of the ranks).</summary>
    public void Drain() => Inbound?.Drain();

    public void Dispose()
    {
        Inbound?.Dispose();
        (Outbound as IDisposable)?.Dispose();
    }
}
