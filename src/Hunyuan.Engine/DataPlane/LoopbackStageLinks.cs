using Hunyuan.Engine.Collectives.Nccl;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Devices;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// How a <see cref="LoopbackDeployment"/>'s stages are placed and linked: one device per stage (default: every rank on
/// the load options' device) and the link kind between stages, as if each stage were its own node. With
/// <see cref="StageLinkKind.Nccl"/> the links are the NCCL ones: by default over NCCL itself (every stage on its own
/// CUDA device, libnccl.so.2 loadable; the unique ids are exchanged in process, where a cluster uses the grains), or
/// over <paramref name="Connector"/>'s transport (tests pass a CPU stand-in).
/// </summary>
/// <param name="StageDevices">Stage s runs on StageDevices[s]; null keeps the load options' device.</param>
/// <param name="Kind">The link between adjacent stages.</param>
/// <param name="Connector">The NCCL links' transport for a rank; null means NCCL.</param>
public sealed record LoopbackStageLinks(IReadOnlyList<ComputeDevice>? StageDevices = null, StageLinkKind Kind = StageLinkKind.Socket, Func<RankPlan, NcclStageConnector>? Connector = null)
{
    /// <summary>The real NCCL transports for every rank of <paramref name="plan"/>, the unique ids handed over in this process.</summary>
    internal Func<RankPlan, NcclStageConnector> ConnectorFor(PartitionPlan plan, TimeSpan timeout)
    {
        if (Connector is { } given)
        {
            return given;
        }

        var nccl = NcclLoader.Default.Library
            ?? throw new InvalidOperationException("NCCL stage links need libnccl.so.2 (pip nvidia-nccl-cu12, libnccl2, or HYC_NCCL_LIBRARY)");
        var ids = plan.Ranks.ToDictionary(r => r.Rank, _ => new NcclLinkIds());
        return me =>
        {
            var device = Device(me.Stage) is { IsCuda: true } cuda ? cuda : throw new InvalidOperationException($"an NCCL stage link needs stage {me.Stage} on a CUDA device");
            var previous = me.Stage > 0 ? plan.Rank(me.Stage - 1, me.TpIndex).Rank : -1;
            return NcclStageConnector.Nccl(nccl, device.Torch.index, ids[me.Rank], generation =>
                ids[previous].WaitAsync(generation, timeout).GetAwaiter().GetResult()
                ?? throw new NcclException($"rank {previous} made no NCCL stage link id of generation {generation}"), timeout);
        };
    }

    /// <summary>The device of stage <paramref name="stage"/>, or null for the load options' own.</summary>
    public ComputeDevice? Device(int stage) => StageDevices is { } devices ? devices[stage] : null;
}
