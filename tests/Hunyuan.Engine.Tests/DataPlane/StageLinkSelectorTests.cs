using Hunyuan.Engine.Collectives.Nccl;
using Hunyuan.Engine.DataPlane;

namespace Hunyuan.Engine.Tests.DataPlane;

public sealed class StageLinkSelectorTests
{
    private static readonly StageEnd GpuOnA = new("node-a", Cuda: true);
    private static readonly StageEnd GpuOnB = new("node-b", Cuda: true);
    private static readonly StageEnd CpuOnA = new("node-a", Cuda: false);
    private static readonly StageEnd CpuOnB = new("node-b", Cuda: false);

    [Fact]
    public void CpuRanksUseSocketsAndNeverLookForNccl()
    {
        var loader = new NcclLoader(() => throw new InvalidOperationException("must not be asked"));
        var selector = new StageLinkSelector(StageLinkMode.Auto, loader);

        Assert.Equal(StageLinkKind.Socket, selector.Choose(CpuOnA, CpuOnB));
        Assert.Equal(StageLinkKind.Socket, selector.Choose(GpuOnA, CpuOnB));
        Assert.Equal(StageLinkKind.Socket, selector.Choose(CpuOnA, GpuOnB));
        Assert.False(loader.Attempted);
    }

    [Fact]
    public void GpusOnTheSameNodeKeepTheExistingPath()
    {
        var loader = new NcclLoader(() => throw new InvalidOperationException("must not be asked"));
        Assert.Equal(StageLinkKind.Socket, new StageLinkSelector(StageLinkMode.Auto, loader).Choose(GpuOnA, GpuOnA with { }));
        Assert.False(loader.Attempted);
    }

    [Fact]
    public void GpusOnTwoNodesWithoutNcclUseSocketsWithoutThrowing()
    {
        var loader = new NcclLoader(() => ["/nonexistent/libnccl.so.2"]);
        Assert.Equal(StageLinkKind.Socket, new StageLinkSelector(StageLinkMode.Auto, loader).Choose(GpuOnA, GpuOnB));
        Assert.True(loader.Attempted);
        Assert.Null(loader.Library);
    }

    [Fact]
    public void TheSocketModeRulesNcclOutWithoutLookingForIt()
    {
        var loader = new NcclLoader(() => throw new InvalidOperationException("must not be asked"));
        Assert.Equal(StageLinkKind.Socket, new StageLinkSelector(StageLinkMode.Socket, loader).Choose(GpuOnA, GpuOnB));
        Assert.False(loader.Attempted);
    }

    [Theory]
    [InlineData(null, StageLinkMode.Auto)]
    [InlineData("", StageLinkMode.Auto)]
    [InlineData("auto", StageLinkMode.Auto)]
    [InlineData(" Socket ", StageLinkMode.Socket)]
    public void TheModeIsReadFromItsSetting(string? value, StageLinkMode mode) => Assert.Equal(mode, StageLinkSelector.ParseMode(value));

    [Fact]
    public void AnUnknownModeIsRefusedByName()
    {
        var ex = Assert.Throws<ArgumentException>(() => StageLinkSelector.ParseMode("nvlink"));
        Assert.Contains("HYC_STAGE_LINK='nvlink'", ex.Message, StringComparison.Ordinal);
    }
}
