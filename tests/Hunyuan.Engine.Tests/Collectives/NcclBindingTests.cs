using System.Runtime.CompilerServices;
using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Collectives.Nccl;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Collectives;

public sealed class NcclBindingTests
{
    [Fact]
    public void TheUniqueIdIs128BytesPassedByValue() => Assert.Equal(128, Unsafe.SizeOf<NcclUniqueId>());

    [Theory]
    [InlineData(torch.ScalarType.Float16, 6)]
    [InlineData(torch.ScalarType.Float32, 7)]
    [InlineData(torch.ScalarType.BFloat16, 9)]
    [InlineData((torch.ScalarType)24, 10)]
    public void DTypesMapToNcclCodes(torch.ScalarType dtype, int code) => Assert.Equal(code, (int)NcclDataTypes.For(dtype));

    [Fact]
    public void AnUnsupportedDTypeIsRefusedByName()
    {
        var ex = Assert.Throws<NotSupportedException>(() => NcclDataTypes.For(torch.ScalarType.Int64));
        Assert.Contains("Int64", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReduceOpsHaveNcclCodes()
    {
        Assert.Equal(0, (int)NcclRedOp.Sum);
        Assert.Equal(4, (int)NcclRedOp.Avg);
    }

    [Fact]
    public void TheLibraryIsLoadedOnlyWhenGpuRanksAskAndItsAbsenceSelectsTheHub()
    {
        var loader = new NcclLoader(() => ["/nonexistent/libnccl.so.2"]);
        Assert.False(loader.Attempted);

        Assert.Same(CollectiveBackends.InProcess, CollectiveBackends.ForNode([torch.CPU, torch.CPU], loader));
        Assert.False(loader.Attempted);   // CPU ranks never look for NCCL

        var gpus = new[] { new torch.Device(DeviceType.CUDA, 0), new torch.Device(DeviceType.CUDA, 1) };
        Assert.Same(CollectiveBackends.InProcess, CollectiveBackends.ForNode(gpus, loader));
        Assert.True(loader.Attempted);
        Assert.Null(loader.Library);
    }

    [Fact]
    public void OneGpuOrMixedDevicesNeedNoNccl()
    {
        var loader = new NcclLoader(() => throw new InvalidOperationException("must not be asked"));
        Assert.Same(CollectiveBackends.InProcess, CollectiveBackends.ForNode([new torch.Device(DeviceType.CUDA, 0)], loader));
        Assert.Same(CollectiveBackends.InProcess, CollectiveBackends.ForNode([new torch.Device(DeviceType.CUDA, 0), torch.CPU], loader));
        Assert.False(loader.Attempted);
    }

    [Fact]
    public void TheHubBackendMakesGroupsOfTheRightSize()
    {
        using var group = CollectiveBackends.InProcess.CreateGroup([0, 1, 2], TimeSpan.FromSeconds(1));
        Assert.Equal(3, group.Size);
        Assert.Equal(2, group.Member(2).Index);
    }

    [Fact]
    public void TheDataPointerIncludesTheViewOffset()
    {
        using var t = torch.zeros(4, 8, torch.ScalarType.Float32);
        using var row = t[2];
        var delta = TensorPointers.DataPointer(row) - TensorPointers.DataPointer(t);
        Assert.Equal(2 * 8 * sizeof(float), (long)delta);
    }

    [Fact]
    public void ALibraryWithoutEveryEntryPointIncludingSendAndRecvIsNoNccl()
    {
        // libc opens but exports no nccl* symbol: binding fails on the first missing one and the candidate is skipped.
        var loader = new NcclLoader(() => ["libc.so.6", "/nonexistent/libnccl.so.2"]);
        Assert.Null(loader.Library);
        Assert.Equal(
            Hunyuan.Engine.DataPlane.StageLinkKind.Socket,
            new Hunyuan.Engine.DataPlane.StageLinkSelector(Hunyuan.Engine.DataPlane.StageLinkMode.Auto, loader)
                .Choose(new("node-a", Cuda: true), new("node-b", Cuda: true)));
    }

    [Theory]
    [InlineData(NcclDataType.F16, 2)]
    [InlineData(NcclDataType.BF16, 2)]
    [InlineData(NcclDataType.F32, 4)]
    [InlineData(NcclDataType.F8E4M3, 1)]
    public void ElementSizesFollowTheDType(NcclDataType type, int bytes) => Assert.Equal(bytes, NcclDataTypes.ElementSize(type));
}
