using System.Runtime.InteropServices;
using Hunyuan.Engine.Collectives.Nccl;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Tests.TestSupport;

namespace Hunyuan.Engine.Tests.Collectives;

/// <summary>The binding's new entry points against a compiled stand-in library (see <see cref="NcclStubLibrary"/>), not NCCL.</summary>
public sealed class NcclPointToPointBindingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hyc-nccl-stub-").FullName;

    [Fact]
    public void SendAndRecvPassBufferCountTypePeerCommAndTheDefaultStreamInOrder()
    {
        var path = NcclStubLibrary.Build(_dir);
        var nccl = new NcclLoader(() => [path]).Library;
        Assert.NotNull(nccl);
        Assert.Equal(22703, nccl.Version());

        // The unique id goes by value: the stub's communicator handle encodes its first and last bytes.
        var comm = nccl.CommInitRank(2, nccl.GetUniqueId(), 1);
        Assert.Equal((7 * 100000) + (9 * 1000) + (2 * 10) + 1, (long)comm);

        Assert.Equal(NcclResult.Success, nccl.Send(0x1000, 6400, NcclDataType.BF16, 1, comm));
        Assert.Equal([1, 0x1000, 6400, 9, 1, (long)comm, 0], Last(path));
        Assert.Equal(NcclResult.Success, nccl.Recv(0x2000, 12800, NcclDataType.F32, 0, comm));
        Assert.Equal([2, 0x2000, 12800, 7, 0, (long)comm, 0], Last(path));
    }

    [Theory]
    [InlineData("NO_SEND")]
    [InlineData("NO_RECV")]
    public void ALibraryWithoutSendOrRecvIsNoNcclAndPipelinesKeepSockets(string leftOut)
    {
        var path = NcclStubLibrary.Build(_dir, leftOut);
        var loader = new NcclLoader(() => [path]);

        Assert.Null(loader.Library);
        Assert.Equal(StageLinkKind.Socket, new StageLinkSelector(StageLinkMode.Auto, loader).Choose(new("a", Cuda: true), new("b", Cuda: true)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static long[] Last(string path)
    {
        var handle = NativeLibrary.Load(path);
        var read = Marshal.GetDelegateForFunctionPointer<StubLast>(NativeLibrary.GetExport(handle, "stub_last"));
        var values = new long[7];
        read(values);
        return values;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void StubLast([Out] long[] values);
}
