using Hunyuan.Model.Parallel;

namespace Hunyuan.Engine.Partitioning;

/// <summary>One rank: where it runs, its pipeline stage and tensor-parallel index, what it holds, and its resident weight bytes.</summary>
public sealed record RankPlan(int Rank, string Node, int Gpu, int Stage, int TpIndex, PartitionSlice Slice, long WeightBytes)
{
    public string LayersText => $"{Slice.LayerStart}-{Slice.LayerEnd - 1}";

    /// <summary>"2,3" for whole experts; "2[0:9152]" for a shard of expert 2's intermediate rows.</summary>
    public string ExpertsText(long intermediate) => Slice.Experts.Count == 0 ? "-"
        : string.Join(",", Slice.Experts.Select(e => e.Count == intermediate ? $"{e.Expert}" : $"{e.Expert}[{e.Start}:{e.Start + e.Count}]"));
}
