using Hunyuan.Engine.Partitioning;
using Hunyuan.Engine.Planning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.Tests.Planning;

public sealed class ExpertPlacementAdvisorTests
{
    private static readonly HunyuanConfig Real = HunyuanConfig.Load(Fixtures.Path("hunyuan-a52b-instruct.config.json"));

    private static GpuInventory H200x8 => GpuInventory.Uniform(1, 8, 141L << 30, gpuName: "NVIDIA H200");

    [Fact]
    public void OnEightH200sAtBatchOneFp8TensorParallelExpertsWinByTheArithmetic()
    {
        var (layout, e) = ExpertPlacementAdvisor.Plan(Real, ModelVariant.Fp8, H200x8, null, null, batch: 1);

        Assert.Equal(ExpertPlacement.TensorParallel, e.Chosen);
        Assert.Equal(ExpertPlacement.TensorParallel, layout.ExpertPlacement);
        Assert.Equal(4.8e12, e.BytesPerSecond);
        Assert.False(e.SharedMemory);
        Assert.Equal(1.0, e.DistinctExpertsPerLayer, 6);

        // gpu.md: one 3 x 6400 x 18304 e4m3 expert is 351 MB, 73 us at 4.8 TB/s on one GPU, 9 us split eight ways.
        Assert.InRange(e.EpExpertUsPerLayer!.Value, 65, 80);
        Assert.InRange(e.TpExpertUsPerLayer!.Value, 8, 10.5);

        // Whole steps: about 52 GB per token read over 8 x 4.8 TB/s is about 1.4 ms at best; ep waits on one GPU per layer.
        Assert.InRange(e.TpMsPerToken!.Value, 1.1, 1.8);
        Assert.InRange(e.EpMsPerToken!.Value, 4.5, 6.5);
    }

    [Fact]
    public void TheExpectedBatchTouchesMoreExpertsAndTheFiguresSayWhichWins()
    {
        var (_, e) = ExpertPlacementAdvisor.Plan(Real, ModelVariant.Fp8, H200x8, null, null, batch: 16);

        Assert.Equal(16 * (1 - Math.Pow(15.0 / 16, 16)), e.DistinctExpertsPerLayer, 6);   // about 10.3
        Assert.Equal(ExpertPlacement.TensorParallel, e.Chosen);
        Assert.True(e.TpMsPerToken < e.EpMsPerToken);
        Assert.Contains("estimated", e.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void VirtualGpusShareTheirHostsMemorySoTheCpuDefaultStaysExpertParallel()
    {
        var (_, e) = ExpertPlacementAdvisor.Plan(Real, ModelVariant.Bf16, GpuInventory.Uniform(1, 8, 96L << 30), null, null, batch: 1);

        Assert.True(e.SharedMemory);
        Assert.Equal(ExpertPlacement.ExpertParallel, e.Chosen);
        Assert.Equal(e.EpMsPerToken!.Value, e.TpMsPerToken!.Value, 6);
    }

    [Fact]
    public void AGivenBandwidthAndAForcedPlacementAreHonoured()
    {
        var (layout, e) = ExpertPlacementAdvisor.Plan(Real, ModelVariant.Fp8, GpuInventory.Uniform(1, 8, 96L << 30), null, null, 1, 2.0e12, ExpertPlacement.ExpertParallel);

        Assert.Equal(ExpertPlacement.ExpertParallel, layout.ExpertPlacement);
        Assert.Equal(2.0e12, e.BytesPerSecond);
        Assert.False(e.SharedMemory);
        Assert.Contains("forced", e.Rule, StringComparison.Ordinal);
        Assert.True(e.TpMsPerToken < e.EpMsPerToken);   // the figures are still both printed
    }

    [Theory]
    [InlineData("NVIDIA H200", 4.8e12)]
    [InlineData("NVIDIA H20", 4.0e12)]
    [InlineData("NVIDIA H100 80GB HBM3", 3.35e12)]
    [InlineData("NVIDIA A100-SXM4-80GB", 2.0e12)]
    [InlineData("NVIDIA L40S", 0.864e12)]
    public void BandwidthByGpuName(string name, double bytesPerSecond) => Assert.Equal(bytesPerSecond, GpuBandwidth.ForName(name));

    [Fact]
    public void UnknownAndVirtualGpusHaveNoTableFigure()
    {
        Assert.Null(GpuBandwidth.ForName("virtual"));
        Assert.Null(GpuBandwidth.ForName("NVIDIA H2000"));
    }

    [Theory]
    [InlineData("4.8TB/s", 4.8e12)]
    [InlineData("3350 GB/s", 3.35e12)]
    [InlineData("4.8", 4.8e12)]
    public void BandwidthFiguresParse(string text, double bytesPerSecond)
    {
        Assert.True(GpuBandwidth.TryParse(text, out var bps));
        Assert.Equal(bytesPerSecond, bps, 3);
    }
}
