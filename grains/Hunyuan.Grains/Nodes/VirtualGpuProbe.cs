namespace Hunyuan.Grains.Nodes;

/// <summary>
/// Declared GPUs of a CPU-only host: device slots with a memory budget, computed on the CPU. They are simulated GPUs
/// and say so (Virtual = true, name "virtual-cpu").
/// </summary>
public sealed class VirtualGpuProbe(int count, long memoryBytes) : IGpuProbe
{
    public Task<GpuProbeResult> ProbeAsync(CancellationToken cancellationToken) => Task.FromResult(new GpuProbeResult(
        Enumerable.Range(0, count).Select(i => new GpuInfo(i, $"virtual-{i}", "virtual-cpu", memoryBytes, null, null, Virtual: true)).ToArray(),
        null));
}
