using System.Runtime.InteropServices;
using Hunyuan.Grains.Nodes;
using Hunyuan.Grains.Nodes.Nvml;

namespace Hunyuan.Grains.Tests.Nodes;

public sealed class NvmlGpuProbeTests
{
    private const int NotSupported = 3;

    private static readonly string[] Uuids = ["GPU-aa", "GPU-bb", "GPU-cc"];

    [Fact]
    public void StructLayoutsMatchNvmlH()
    {
        Assert.Equal(24, Marshal.SizeOf<NvmlMemory>());
        Assert.Equal(8, Marshal.OffsetOf<NvmlMemory>(nameof(NvmlMemory.Free)).ToInt32());
        Assert.Equal(16, Marshal.OffsetOf<NvmlMemory>(nameof(NvmlMemory.Used)).ToInt32());
        Assert.Equal(8, Marshal.SizeOf<NvmlUtilization>());
        Assert.Equal(4, Marshal.OffsetOf<NvmlUtilization>(nameof(NvmlUtilization.Memory)).ToInt32());
    }

    [Fact]
    public void AMissingLibraryGivesNoBindingAndTheNvidiaSmiFallback()
    {
        Assert.Null(NativeNvmlBinding.TryLoad("libnvidia-ml-not-here.so.1"));
        var fallback = new VirtualGpuProbe(0, 0);
        Assert.Same(fallback, GpuProbes.Choose(0, 0, () => null, () => fallback, null));
    }

    [Fact]
    public void NvmlIsChosenFirstWhenItLoadsAndVirtualGpusWinOverBoth()
    {
        var fake = new FakeNvml();
        Assert.IsType<NvmlGpuProbe>(GpuProbes.Choose(0, 0, () => fake, () => throw new InvalidOperationException("not the fallback"), null));
        Assert.IsType<VirtualGpuProbe>(GpuProbes.Choose(2, 1L << 30, () => fake, () => throw new InvalidOperationException("not the fallback"), null));
    }

    [Fact]
    public async Task NvmlResultsMapToGpuInfo()
    {
        var fake = new FakeNvml();
        using var probe = new NvmlGpuProbe(fake, null);
        var result = await probe.ProbeAsync(CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal(2, result.Gpus.Count);
        var g = result.Gpus[1];
        Assert.Equal(new GpuInfo(1, "GPU-bbbb", "NVIDIA H200", 150_000_000_000, 100_000_000_000, null, false, 50_000_000_000), g);
        Assert.Equal(42, result.Gpus[0].UtilizationPercent);
        Assert.Equal(1, fake.Inits);

        await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(1, fake.Inits);
        probe.Dispose();
        Assert.Equal(1, fake.Shutdowns);
    }

    [Fact]
    public async Task AFailedInitIsTheProbesErrorNotAnException()
    {
        using var probe = new NvmlGpuProbe(new FakeNvml { InitResult = 9 }, null);
        var result = await probe.ProbeAsync(CancellationToken.None);
        Assert.Empty(result.Gpus);
        Assert.Equal("nvmlInit_v2: error 9", result.Error);
    }

    [Fact]
    public async Task CudaVisibleDevicesSetsTheListAndItsOrder()
    {
        using var probe = new NvmlGpuProbe(new FakeNvml(), "1,0");
        var result = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal([1, 0], result.Gpus.Select(g => g.Index));
    }

    [Theory]
    [InlineData(null, new[] { 0, 1, 2 })]
    [InlineData("", new int[0])]
    [InlineData("2", new[] { 2 })]
    [InlineData("2,0", new[] { 2, 0 })]
    [InlineData("GPU-cc", new[] { 2 })]
    [InlineData("0,7,1", new[] { 0 })]
    [InlineData("-1", new int[0])]
    public void VisibleDevicesFollowsCuda(string? visible, int[] expected)
    {
        var gpus = Uuids.Select((u, i) => new GpuInfo(i, u, "g", 1, 0, 0, false)).ToArray();
        Assert.Equal(expected, VisibleDevices.Filter(gpus, visible).Select(g => g.Index));
    }

    private sealed class FakeNvml : INvmlBinding
    {
        public int InitResult { get; init; }

        public int Inits { get; private set; }

        public int Shutdowns { get; private set; }

        public int Init()
        {
            Inits++;
            return InitResult;
        }

        public int Shutdown()
        {
            Shutdowns++;
            return 0;
        }

        public int GetCount(out uint count)
        {
            count = 2;
            return 0;
        }

        public int GetHandleByIndex(uint index, out nint device)
        {
            device = (nint)(100 + index);
            return 0;
        }

        public int GetMemoryInfo(nint device, out NvmlMemory memory)
        {
            memory = device == 100
                ? new NvmlMemory { Total = 150_000_000_000, Free = 149_000_000_000, Used = 1_000_000_000 }
                : new NvmlMemory { Total = 150_000_000_000, Free = 50_000_000_000, Used = 100_000_000_000 };
            return 0;
        }

        public int GetName(nint device, out string name)
        {
            name = "NVIDIA H200";
            return 0;
        }

        public int GetUuid(nint device, out string uuid)
        {
            uuid = device == 100 ? "GPU-aaaa" : "GPU-bbbb";
            return 0;
        }

        public int GetUtilizationRates(nint device, out NvmlUtilization utilization)
        {
            utilization = new NvmlUtilization { Gpu = 42, Memory = 7 };
            return device == 100 ? 0 : NotSupported;
        }

        public string ErrorString(int result) => $"error {result}";
    }
}
