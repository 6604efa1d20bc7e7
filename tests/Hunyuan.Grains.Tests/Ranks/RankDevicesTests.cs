using Hunyuan.Grains.Nodes;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Devices;

namespace Hunyuan.Grains.Tests.Ranks;

public sealed class RankDevicesTests
{
    private static NodeReport Report(params GpuInfo[] gpus) => new("gpu-a", "10.0.0.1", gpus, null, 0, 0, DateTimeOffset.UtcNow, "1", false);

    [Fact]
    public void ARealGpuIsCudaAtItsPositionInTheReportAVirtualOneIsCpu()
    {
        // CUDA_VISIBLE_DEVICES=3,5: the report lists physical GPUs 3 and 5, which CUDA calls 0 and 1.
        var real = Report(new GpuInfo(3, "GPU-3", "H200", 1, 0, 0, false), new GpuInfo(5, "GPU-5", "H200", 1, 0, 0, false));
        Assert.Equal("cuda:0", RankDevices.For(real, 3));
        Assert.Equal("cuda:1", RankDevices.For(real, 5));
        Assert.Equal("cpu", RankDevices.For(Report(new GpuInfo(0, "virtual-0", "virtual-cpu", 1, null, null, true)), 0));
        Assert.Throws<ArgumentException>(() => RankDevices.For(real, 0));
    }

    [Fact]
    public void ALayoutWithoutDevicesRunsOnCpu()
    {
        var layout = new DeploymentLayout("d", 1, "/m", "bf16", "bfloat16", 1, 1, "ep", ["n"], [0]);
        Assert.Equal("cpu", layout.RankDevice(0));
        Assert.Equal("cuda:2", (layout with { RankDevices = ["cuda:2"] }).RankDevice(0));
    }

    [Fact]
    public void ARankResolvesItsDeviceOrSaysWhyNot()
    {
        Assert.Equal((ComputeDevice.Cpu, (string?)null), RankDevices.Resolve("cpu", "n", 0, new FakeCuda(false, 0)));
        Assert.Equal((ComputeDevice.Cuda(1), (string?)null), RankDevices.Resolve("cuda:1", "n", 0, new FakeCuda(true, 2)));

        var (none, noCuda) = RankDevices.Resolve("cuda:0", "gpu-a", 3, new FakeCuda(false, 0));
        Assert.Null(none);
        Assert.Equal("rank 3 on gpu-a needs cuda:0: " + DeviceRequest.LibTorchHasNoCuda, noCuda);

        var (_, beyond) = RankDevices.Resolve("cuda:4", "gpu-a", 7, new FakeCuda(true, 4));
        Assert.Contains("rank 7 on gpu-a needs GPU slot 4 (cuda:4), but this agent sees 4 CUDA devices", beyond, StringComparison.Ordinal);

        Assert.NotNull(RankDevices.Resolve("cuda", "gpu-a", 0, new FakeCuda(true, 4)).Error);
    }

    private sealed record FakeCuda(bool IsAvailable, int DeviceCount) : ICudaRuntime;
}
