using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Model.Tests.Devices;

public sealed class DeviceRequestTests
{
    [Theory]
    [InlineData("cpu", false, null)]
    [InlineData("CUDA", true, null)]
    [InlineData("cuda:3", true, 3)]
    [InlineData(" cuda:0 ", true, 0)]
    public void ParsesTheThreeForms(string text, bool cuda, int? index)
    {
        Assert.True(DeviceRequest.TryParse(text, out var r, out _));
        Assert.Equal(new DeviceRequest(cuda, index), r);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void RejectsEverythingElseNamingIt(string text)
    {
        Assert.False(DeviceRequest.TryParse(text, out _, out var error));
        Assert.Contains($"'{text}'", error, StringComparison.Ordinal);
        Assert.Contains("cpu, cuda or cuda:N", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SlotsMapToDevices()
    {
        Assert.Equal(ComputeDevice.Cpu, DeviceRequest.Cpu.ForSlot(5));
        Assert.Equal(ComputeDevice.Cuda(5), new DeviceRequest(true, null).ForSlot(5));
        Assert.Equal(ComputeDevice.Cuda(1), new DeviceRequest(true, 1).ForSlot(5));
        Assert.Equal("cuda:5", ComputeDevice.Cuda(5).ToString());
        Assert.Equal("cpu", ComputeDevice.Cpu.ToString());
    }

    [Fact]
    public void CudaOnTheCpuBuildNamesTheWayOut()
    {
        var error = new DeviceRequest(true, null).Check(1, new FakeCuda(false, 0));
        Assert.Equal("--device cuda: " + DeviceRequest.LibTorchHasNoCuda, error);
        Assert.Contains("-p:TorchBackend=cuda", error, StringComparison.Ordinal);
        Assert.Contains("HYC_LIBTORCH_DIR", error, StringComparison.Ordinal);
    }

    [Fact]
    public void IndexAndSlotsBeyondTheDevicesAreRefused()
    {
        var two = new FakeCuda(true, 2);
        Assert.Null(new DeviceRequest(true, 1).Check(8, two));
        Assert.Null(new DeviceRequest(true, null).Check(2, two));
        Assert.Contains("this host has 2 CUDA devices (cuda:0..cuda:1); the index must be below 2", new DeviceRequest(true, 2).Check(1, two), StringComparison.Ordinal);
        Assert.Contains("4 ranks need GPU slots 0..3, this host has 2 CUDA devices", new DeviceRequest(true, null).Check(4, two), StringComparison.Ordinal);
        Assert.Null(DeviceRequest.Cpu.Check(64, new FakeCuda(false, 0)));
    }

    [Fact]
    public void ThisCpuLibTorchSaysNoCuda()
    {
        // These machines carry the CPU libtorch only; on a CUDA build the check runs against real devices.
        if (torch.cuda.is_available())
        {
            return;
        }

        Assert.False(TorchCudaRuntime.Instance.IsAvailable);
        Assert.Equal(0, TorchCudaRuntime.Instance.DeviceCount);
    }

    [Fact]
    public void TheCpuDeviceAdoptsAHostTensorAsItIs()
    {
        var t = torch.ones(3, device: torch.CPU);
        Assert.Same(t, ComputeDevice.Cpu.Adopt(t));
        t.Dispose();
    }

    private sealed record FakeCuda(bool IsAvailable, int DeviceCount) : ICudaRuntime;
}
