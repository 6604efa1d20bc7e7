using Hunyuan.Engine.Partitioning;

namespace Hunyuan.Engine.DataPlane;

/// <summary>A rank's pipeline links on the data plane: an inbox unless it is the first stage, an outbox unless the last.</summary>
public static class StageLinks
{
    /// <summary>
    /// The most rows (tokens) one step may carry between stages: the largest of the model's context and 8,192, so a
    /// peer can never make a rank allocate more than that many rows of hidden states.
    /// </summary>
    public static long MaxRows(int maxModelLen) => Math.Max(maxModelLen, 8192);

    /// <summary>The largest activation frame a stage accepts: its header and at most that many float32 rows of the hidden size.</summary>
    public static long MaxActivationBytes(long hiddenSize, long maxRows) => ActivationFrame.HeaderBytes + (maxRows * hiddenSize * 4);

    /// <param name="plan">The deployment's plan (every rank derives the same one).</param>
    /// <param name="me">This rank.</param>
    /// <param name="deployment">Deployment name, epoch and data token, as the hello to the next stage presents them.</param>
    /// <param name="epoch">The deployment's epoch.</param>
    /// <param name="token">The deployment's data token.</param>
    /// <param name="endpointOfRank">The data endpoint of a rank's node, read when the link (re)connects.</param>
    /// <param name="maxModelLen">Bounds the rows accepted per step.</param>
    /// <param name="timeout">How long a receive waits for the previous stage.</param>
    public static (StageInbox? Inbox, StageOutbox? Outbox) For(PartitionPlan plan, RankPlan me, string deployment, string epoch, string token, Func<int, string> endpointOfRank, int maxModelLen, TimeSpan timeout)
    {
        var inbox = me.Stage > 0 ? new StageInbox(plan.Config.HiddenSize, MaxRows(maxModelLen), timeout) : null;
        StageOutbox? outbox = null;
        if (me.Stage + 1 < plan.Pp)
        {
            var next = plan.Rank(me.Stage + 1, me.TpIndex).Rank;
            outbox = new StageOutbox(new DataPlaneHello(DataPlaneRole.Peer, deployment, epoch, next, token, FromRank: me.Rank), () => endpointOfRank(next), timeout);
        }

        return (inbox, outbox);
    }
}
