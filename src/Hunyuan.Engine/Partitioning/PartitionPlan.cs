using Hunyuan.Model.Config;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.Partitioning;

/// <summary>
/// A layout (tp x pp, expert placement) and, for every rank, its node, GPU slot, layers, heads, KV heads, experts,
/// vocabulary share and resident weight bytes. Rank r is stage r / tp, tensor-parallel index r % tp.
/// </summary>
public sealed record PartitionPlan(
    HunyuanConfig Config,
    ModelVariant Variant,
    int Tp,
    int Pp,
    ExpertPlacement ExpertPlacement,
    IReadOnlyList<RankPlan> Ranks,
    IReadOnlyList<string> Notes)
{
    public int WorldSize => Tp * Pp;

    /// <summary>The whole model's resident weight bytes in this variant, each tensor counted once.</summary>
    public long ModelWeightBytes => SlicedTensors.For(Config, PartitionSlice.Whole(Config)).Sum(s => Variant.ResidentBytes(s));

    /// <summary>The heaviest rank's weight bytes (replicated pieces such as norms and routers counted on every rank).</summary>
    public long MaxRankWeightBytes => Ranks.Max(r => r.WeightBytes);

    public IEnumerable<RankPlan> Stage(int stage) => Ranks.Where(r => r.Stage == stage);

    public RankPlan Rank(int stage, int tpIndex) => Ranks[(stage * Tp) + tpIndex];

    public string LayoutText => $"TP{Tp} x PP{Pp}, experts {(ExpertPlacement == ExpertPlacement.ExpertParallel ? "expert-parallel" : "tensor-parallel")}";
}
