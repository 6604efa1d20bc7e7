using Hunyuan.Engine.Planning;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Plan;

internal sealed record PlanRankOutput(int Rank, string Node, int Gpu, int Stage, int TpIndex, string Layers, int HeadStart, int HeadCount, int KvHeadStart, int KvHeadCount, string Experts, long VocabStart, long VocabCount, long WeightBytes, long ReserveBytes, long KvBytesPerToken, long MaxKvTokens);

internal sealed record PlanOutput(
    string Variant, int Tp, int Pp, string ExpertPlacement, int Nodes, int Gpus, long GpuMemoryBytes, double GpuMemoryUtilization,
    bool Fits, long WeightBytesTotal, long WeightBytesPerGpu, long ReserveBytesPerGpu, long KvBytesPerToken, long KvBytesPerTokenStored, long KvBytesPerTokenSeedLayout,
    long MaxKvTokens, int MaxModelLen, string Reason, string[] Notes, PlanRankOutput[] Ranks,
    string ExpertPlacementRule, int MaxNumSeqs, double DistinctExpertsPerLayer, double GpuBandwidthBytesPerSecond, bool BandwidthShared,
    double? EpMsPerToken, double? TpMsPerToken, double? EpExpertUsPerLayer, double? TpExpertUsPerLayer)
{
    public static PlanOutput From(MemoryPlan p, PlacementEstimate e, int nodes, int gpus)
    {
        var l = p.Layout;
        return new PlanOutput(
            l.Variant.Name(), l.Tp, l.Pp, l.ExpertPlacement == Engine.Partitioning.ExpertPlacement.ExpertParallel ? "ep" : "tp", nodes, gpus,
            p.GpuMemoryBytes, p.Options.GpuMemoryUtilization, p.Fits, l.ModelWeightBytes, l.MaxRankWeightBytes, p.Heaviest.ReserveBytes,
            p.KvBytesPerToken, p.KvBytesPerTokenStored, p.KvBytesPerTokenSeedLayout, p.MaxKvTokens, p.MaxModelLen, p.Reason, l.Notes.ToArray(),
            p.Ranks.Select(r => new PlanRankOutput(r.Rank.Rank, r.Rank.Node, r.Rank.Gpu, r.Rank.Stage, r.Rank.TpIndex, r.Rank.LayersText,
                r.Rank.Slice.HeadStart, r.Rank.Slice.HeadCount, r.Rank.Slice.KvHeadStart, r.Rank.Slice.KvHeadCount,
                r.Rank.ExpertsText(l.Config.IntermediateSize), r.Rank.Slice.VocabStart, r.Rank.Slice.VocabCount, r.WeightBytes, r.ReserveBytes,
                r.KvBytesPerToken, r.MaxKvTokens)).ToArray(),
            e.Rule, e.Batch, e.DistinctExpertsPerLayer, e.BytesPerSecond, e.SharedMemory, e.EpMsPerToken, e.TpMsPerToken, e.EpExpertUsPerLayer, e.TpExpertUsPerLayer);
    }
}
