using Hunyuan.Engine.Partitioning;
using Hunyuan.Engine.Planning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.Tests.Planning;

public sealed class LiveFreeMemoryTests
{
    private const long Gib141 = 141L << 30;
    private static readonly HunyuanConfig Real = HunyuanConfig.Load(Fixtures.Path("hunyuan-a52b-instruct.config.json"));

    // FP8 on 8 x H200-sized GPUs: fits on total memory.
    private static MemoryPlan Plan() =>
        MemoryPlanner.Plan(PartitionPlanner.Create(Real, ModelVariant.Fp8, GpuInventory.Uniform(1, 8, Gib141, "h200-"), new LayoutRequest()), Gib141, new MemoryPlanOptions { MaxModelLen = 32_768 });

    [Fact]
    public void EnoughLiveFreeMemoryPasses()
    {
        var plan = Plan();
        Assert.True(plan.Fits, plan.Reason);
        var live = Enumerable.Range(0, 8).Select(g => new LiveGpuMemory("h200-0", g, 140L << 30)).ToArray();
        Assert.Null(MemoryPlanner.CheckLiveFree(plan, live, 65_536));
    }

    [Fact]
    public void AGpuHeldByAnotherProcessRefusesTheDeploymentNamingNodeGpuAndBothFigures()
    {
        var plan = Plan();
        var live = Enumerable.Range(0, 8).Select(g => new LiveGpuMemory("h200-0", g, g == 5 ? 20L << 30 : 140L << 30)).ToArray();
        var refusal = MemoryPlanner.CheckLiveFree(plan, live, 65_536);
        Assert.NotNull(refusal);
        var rank = plan.Ranks.Single(r => r.Rank.Gpu == 5);
        var need = rank.WeightBytes + rank.ReserveBytes + (rank.KvBytesPerToken * 65_536);
        Assert.Contains("node h200-0 GPU 5", refusal, StringComparison.Ordinal);
        Assert.Contains($"has {MemoryPlanner.Gb(20L << 30)} free", refusal, StringComparison.Ordinal);
        Assert.Contains($"rank {rank.Rank.Rank} need {MemoryPlanner.Gb(need)}", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void TheKvPoolCountsTowardsWhatARankNeeds()
    {
        var plan = Plan();
        var rank = plan.Ranks[0];
        var withoutKv = rank.WeightBytes + rank.ReserveBytes;
        var live = new[] { new LiveGpuMemory("h200-0", rank.Rank.Gpu, withoutKv + (rank.KvBytesPerToken * 1000)) };
        Assert.Null(MemoryPlanner.CheckLiveFree(plan, live, 1000));
        Assert.NotNull(MemoryPlanner.CheckLiveFree(plan, live, 1001));
    }

    [Fact]
    public void GpusWithoutALiveFigureAreNotChecked()
    {
        Assert.Null(MemoryPlanner.CheckLiveFree(Plan(), [], 1_000_000));
        Assert.Null(MemoryPlanner.CheckLiveFree(Plan(), [new LiveGpuMemory("other-node", 0, 0)], 1));
    }
}
