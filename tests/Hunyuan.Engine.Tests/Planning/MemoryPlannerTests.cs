using Hunyuan.Engine.Partitioning;
using Hunyuan.Engine.Planning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.Tests.Planning;

/// <summary>The planner's figures for the released Hunyuan-A52B-Instruct config (hunyuan-spec §7).</summary>
public sealed class MemoryPlannerTests
{
    private const long Gib96 = 96L << 30;
    private static readonly HunyuanConfig Real = HunyuanConfig.Load(Fixtures.Path("hunyuan-a52b-instruct.config.json"));

    private static MemoryPlan Plan(ModelVariant variant, int nodes, int gpusPerNode, long memory = Gib96, LayoutRequest? request = null, MemoryPlanOptions? options = null) =>
        MemoryPlanner.Plan(PartitionPlanner.Create(Real, variant, GpuInventory.Uniform(nodes, gpusPerNode, memory), request ?? new LayoutRequest()), memory, options ?? new MemoryPlanOptions());

    [Fact]
    public void Bf16Is777GBAndDoesNotFitEightGpus()
    {
        var p = Plan(ModelVariant.Bf16, 1, 8);
        Assert.Equal(777.4, Math.Round(p.Layout.ModelWeightBytes / 1e9, 1));
        Assert.Equal(97.2, Math.Round(p.Layout.MaxRankWeightBytes / 1e9, 1));
        Assert.False(p.Fits);
        Assert.Contains("does not fit", p.Reason, StringComparison.Ordinal);
        Assert.Equal(0, p.MaxKvTokens);
    }

    [Fact]
    public void Bf16FitsSixteenGpusAsTp8TimesPp2()
    {
        var p = Plan(ModelVariant.Bf16, 2, 8);
        Assert.True(p.Fits, p.Reason);
        Assert.Equal((8, 2), (p.Layout.Tp, p.Layout.Pp));
        Assert.Equal(48.6, Math.Round(p.Layout.MaxRankWeightBytes / 1e9, 1), 0.11);
        Assert.Equal(81_920, p.KvBytesPerToken);
        Assert.Equal(163_840, p.KvBytesPerTokenSeedLayout);
        Assert.True(p.MaxKvTokens >= 131_072);
    }

    [Fact]
    public void Fp8IsAbout390GBAndFitsEightGpus()
    {
        var p = Plan(ModelVariant.Fp8, 1, 8);
        Assert.True(p.Fits, p.Reason);
        Assert.Equal(389.5, Math.Round(p.Layout.ModelWeightBytes / 1e9, 1));
        Assert.Equal(40_960, p.KvBytesPerToken);
    }

    [Fact]
    public void Int8ExpertsIsAbout418GBAndFitsEightGpus()
    {
        var p = Plan(ModelVariant.Int8, 1, 8);
        Assert.True(p.Fits, p.Reason);
        Assert.InRange(p.Layout.ModelWeightBytes / 1e9, 417.5, 417.8);    // 417.5 GB of weights + 0.18 GB of row scales
        Assert.Equal(81_920, p.KvBytesPerToken);
    }

    [Fact]
    public void TooSmallGpusAreRefusedWithTheReason()
    {
        var p = Plan(ModelVariant.Fp8, 1, 8, memory: 40L << 30);
        Assert.False(p.Fits);
        Assert.Contains("more than the", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AKvBudgetShorterThanOneSequenceIsRefused()
    {
        var p = Plan(ModelVariant.Fp8, 1, 8, memory: (long)(53.5 * (1L << 30)));
        Assert.False(p.Fits);
        Assert.Contains("less than one sequence", p.Reason, StringComparison.Ordinal);
        var shorter = Plan(ModelVariant.Fp8, 1, 8, memory: (long)(53.5 * (1L << 30)), options: new MemoryPlanOptions { MaxModelLen = 8192 });
        Assert.True(shorter.Fits, shorter.Reason);
    }

    [Fact]
    public void TooFewGpusForTheLayoutAreRefused()
    {
        var ex = Assert.Throws<LayoutException>(() => Plan(ModelVariant.Bf16, 1, 8, request: new LayoutRequest(8, 2)));
        Assert.Contains("needs 16 GPUs; the inventory has 8", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("96GiB", 96L << 30)]
    [InlineData("80 GB", 80_000_000_000L)]
    [InlineData("1.5TiB", 3L << 39)]
    [InlineData("4096", 4096L)]
    public void SizesParse(string text, long bytes)
    {
        Assert.True(MemoryPlanner.TryParseSize(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("-5GB")]
    [InlineData("")]
    public void BadSizesDoNot(string text) => Assert.False(MemoryPlanner.TryParseSize(text, out _));
}
