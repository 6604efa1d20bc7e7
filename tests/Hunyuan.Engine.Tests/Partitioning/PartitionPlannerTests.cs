using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.Tests.Partitioning;

public sealed class PartitionPlannerTests
{
    private const long Gib96 = 96L << 30;
    private static readonly HunyuanConfig Real = HunyuanConfig.Load(Fixtures.Path("hunyuan-a52b-instruct.config.json"));

    [Fact]
    public void Bf16OnTwoNodesOfEightIsTp8TimesPp2WithTpInsideANode()
    {
        var plan = PartitionPlanner.Create(Real, ModelVariant.Bf16, GpuInventory.Uniform(2, 8, Gib96), new LayoutRequest());
        Assert.Equal((8, 2), (plan.Tp, plan.Pp));
        Assert.All(plan.Stage(0), r => Assert.Equal("node0", r.Node));
        Assert.All(plan.Stage(1), r => Assert.Equal("node1", r.Node));
        Assert.Equal((0, 32), (plan.Rank(0, 0).Slice.LayerStart, plan.Rank(0, 0).Slice.LayerCount));
        Assert.Equal((32, 32), (plan.Rank(1, 5).Slice.LayerStart, plan.Rank(1, 5).Slice.LayerCount));
        var r3 = plan.Rank(0, 3).Slice;
        Assert.Equal((30, 10, 3, 1), (r3.HeadStart, r3.HeadCount, r3.KvHeadStart, r3.KvHeadCount));
        Assert.Equal([6, 7], r3.Experts.Select(e => e.Expert));
        Assert.Equal(129_024 / 8, r3.VocabCount);
        Assert.Empty(plan.Notes);
    }

    [Fact]
    public void Fp8OnOneNodeOfEightIsTp8()
    {
        var plan = PartitionPlanner.Create(Real, ModelVariant.Fp8, GpuInventory.Uniform(1, 8, Gib96), new LayoutRequest());
        Assert.Equal((8, 1), (plan.Tp, plan.Pp));
        Assert.True(plan.Ranks.All(r => r.Slice.HasEmbedding && r.Slice.HasHead));
    }

    [Fact]
    public void TheSeedsTp16ReplicatesKvHeadsAndPutsOneExpertPerRank()
    {
        var plan = PartitionPlanner.Create(Real, ModelVariant.Bf16, GpuInventory.Uniform(2, 8, Gib96), new LayoutRequest(Tp: 16));
        Assert.Equal((16, 1), (plan.Tp, plan.Pp));
        for (var r = 0; r < 16; r++)
        {
            var s = plan.Ranks[r].Slice;
            Assert.Equal((5 * r, 5), (s.HeadStart, s.HeadCount));
            Assert.Equal((r / 2, 1), (s.KvHeadStart, s.KvHeadCount));   // rank r holds the KV head its query heads use
            Assert.Equal([r], s.Experts.Select(e => e.Expert));
        }

        Assert.Contains(plan.Notes, n => n.Contains("spans nodes", StringComparison.Ordinal));
    }

    [Fact]
    public void Bf16WeightsSplitEvenlyAtTp8()
    {
        var plan = PartitionPlanner.Create(Real, ModelVariant.Bf16, GpuInventory.Uniform(1, 8, Gib96), new LayoutRequest(Tp: 8));
        Assert.Equal(777.4, Math.Round(plan.ModelWeightBytes / 1e9, 1));
        Assert.Equal(97.2, Math.Round(plan.MaxRankWeightBytes / 1e9, 1));
    }

    [Theory]
    [InlineData(3, 1, "does not divide the 80 attention heads")]
    [InlineData(5, 1, "KV heads")]
    [InlineData(8, 33, "would split a CLA pair")]
    [InlineData(8, 4, "needs 32 GPUs; the inventory has 16")]
    [InlineData(0, 1, "at least 1")]
    public void InvalidLayoutsAreRefusedWithTheReason(int tp, int pp, string reason)
    {
        var ex = Assert.Throws<LayoutException>(() =>
            PartitionPlanner.Create(Real, ModelVariant.Bf16, GpuInventory.Uniform(2, 8, Gib96), new LayoutRequest(tp, pp)));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpertParallelWiderThanTheExpertsMustSplitThemEvenly()
    {
        var tiny = HunyuanConfig.Load(Fixtures.Path("tiny-moe"));   // 4 experts, 4 heads
        var ex = Assert.Throws<LayoutException>(() =>
            PartitionPlanner.Create(tiny with { NumAttentionHeads = 12, HiddenSize = 96, NumKeyValueHeads = 6, NumExperts = 4 }, ModelVariant.Bf16, GpuInventory.Uniform(1, 6, Gib96), new LayoutRequest(6, 1)));
        Assert.Contains("experts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StagesAlwaysStartOnASelfLayer()
    {
        var plan = PartitionPlanner.Create(Real, ModelVariant.Bf16, GpuInventory.Uniform(3, 8, Gib96), new LayoutRequest(8, 3));
        Assert.Equal([0, 20, 42], plan.Ranks.Where(r => r.TpIndex == 0).Select(r => r.Slice.LayerStart));
        Assert.Equal(64, plan.Ranks.Where(r => r.TpIndex == 0).Sum(r => r.Slice.LayerCount));
    }
}
