using Hunyuan.Grains.Nodes.Nvml;
using Hunyuan.Grains.Processes;

namespace Hunyuan.Grains.Nodes;

/// <summary>
/// The node's GPU probe, chosen once at start: declared virtual GPUs on a CPU host; else NVML when the driver's
/// library loads (live memory without a process per heartbeat); else nvidia-smi, which also says why when there is
/// no GPU at all.
/// </summary>
public static class GpuProbes
{
    public static IGpuProbe Choose(int virtualGpus, long virtualGpuMemoryBytes, Func<INvmlBinding?> loadNvml, Func<IGpuProbe> nvidiaSmi, string? cudaVisibleDevices)
    {
        ArgumentNullException.ThrowIfNull(loadNvml);
        ArgumentNullException.ThrowIfNull(nvidiaSmi);
        if (virtualGpus > 0)
        {
            return new VirtualGpuProbe(virtualGpus, virtualGpuMemoryBytes);
        }

        return loadNvml() is { } nvml ? new NvmlGpuProbe(nvml, cudaVisibleDevices) : nvidiaSmi();
    }

    /// <summary>The probe for this process: NativeNvmlBinding, nvidia-smi through <paramref name="runner"/>, this process's CUDA_VISIBLE_DEVICES.</summary>
    public static IGpuProbe ForThisHost(int virtualGpus, long virtualGpuMemoryBytes, IProcessRunner runner, string nvidiaSmiPath)
    {
        var visible = Environment.GetEnvironmentVariable(VisibleDevices.Variable);
        return Choose(virtualGpus, virtualGpuMemoryBytes, () => NativeNvmlBinding.TryLoad(), () => new NvidiaSmiGpuProbe(runner, nvidiaSmiPath, visible), visible);
    }
}
