using Hunyuan.Grains.Nodes;
using Hunyuan.Grains.Processes;

namespace Hunyuan.Grains.Tests.Nodes;

/// <summary>Realistic `nvidia-smi --query-gpu=... --format=csv,noheader,nounits` outputs.</summary>
public sealed class NvidiaSmiParserTests
{
    [Fact]
    public void OneGpu()
    {
        var (gpus, errors) = NvidiaSmiParser.Parse("0, GPU-5b1c2a3e-8f9d-4c1b-9e2a-6f7d8c9b0a1e, NVIDIA H20, 97871, 1024, 3\n");
        var g = Assert.Single(gpus);
        Assert.Empty(errors);
        Assert.Equal(0, g.Index);
        Assert.Equal("NVIDIA H20", g.Name);
        Assert.Equal(97871L * 1024 * 1024, g.MemoryTotalBytes);
        Assert.Equal(1024L * 1024 * 1024, g.MemoryUsedBytes);
        Assert.Equal(3, g.UtilizationPercent);
        Assert.False(g.Virtual);
    }

    [Fact]
    public void EightGpus()
    {
        var lines = string.Join("\n", Enumerable.Range(0, 8).Select(i => $"{i}, GPU-0000000{i}-aaaa-bbbb-cccc-ddddeeeeffff, NVIDIA H800, 81559, {i * 100}, {i * 10}"));
        var (gpus, errors) = NvidiaSmiParser.Parse(lines + "\n");
        Assert.Equal(8, gpus.Count);
        Assert.Empty(errors);
        Assert.Equal(Enumerable.Range(0, 8), gpus.Select(g => g.Index));
        Assert.All(gpus, g => Assert.Equal(81559L << 20, g.MemoryTotalBytes));
        Assert.Equal(70, gpus[7].UtilizationPercent);
    }

    [Fact]
    public void NotAvailableFieldsBecomeNulls()
    {
        var (gpus, _) = NvidiaSmiParser.Parse("0, GPU-abc, NVIDIA GeForce RTX 3090, 24576, [N/A], [Not Supported]\n");
        var g = Assert.Single(gpus);
        Assert.Null(g.MemoryUsedBytes);
        Assert.Null(g.UtilizationPercent);
        Assert.Equal(24576L << 20, g.MemoryTotalBytes);
    }

    [Fact]
    public void AGpuWithoutMemoryReadings()
    {
        // MIG-enabled or unified-memory devices report no memory figures.
        var (gpus, _) = NvidiaSmiParser.Parse("0, GPU-1d2c, NVIDIA GH200 480GB, [N/A], [N/A], 0\n1, GPU-3e4f, NVIDIA GH200 480GB, 97871, 5, 0\n");
        Assert.Equal(2, gpus.Count);
        Assert.Equal(0, gpus[0].MemoryTotalBytes);
        Assert.Null(gpus[0].MemoryUsedBytes);
        Assert.Equal(97871L << 20, gpus[1].MemoryTotalBytes);
    }

    [Fact]
    public void AnErrorLineIsCollectedNotFatal()
    {
        const string output = "Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error\n1, GPU-9a8b, NVIDIA A100-SXM4-80GB, 81920, 0, 0\n";
        var (gpus, errors) = NvidiaSmiParser.Parse(output);
        Assert.Single(gpus);
        Assert.Equal(1, gpus[0].Index);
        Assert.Contains("Unknown Error", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingNvidiaSmiIsReportedNotThrown()
    {
        var probe = new NvidiaSmiGpuProbe(new FakeRunner(new ProcessResult(127, "", "not found")), "/nonexistent/nvidia-smi");
        var result = await probe.ProbeAsync(CancellationToken.None);
        Assert.Empty(result.Gpus);
        Assert.Contains("not found", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingNvidiaSmiIsReportedWithItsOutput()
    {
        var probe = new NvidiaSmiGpuProbe(new FakeRunner(new ProcessResult(9, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", "")));
        var result = await probe.ProbeAsync(CancellationToken.None);
        Assert.Empty(result.Gpus);
        Assert.Contains("exited 9", result.Error, StringComparison.Ordinal);
        Assert.Contains("couldn't communicate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRealRunnerReportsAMissingProgramAs127()
    {
        var result = await new ProcessRunner().RunAsync("/nonexistent/nvidia-smi", [], TimeSpan.FromSeconds(5));
        Assert.Equal(127, result.ExitCode);
    }

    private sealed class FakeRunner(ProcessResult result) : IProcessRunner
    {
        public Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            Assert.Equal(NvidiaSmiParser.QueryArguments, arguments);
            return Task.FromResult(result);
        }
    }
}
