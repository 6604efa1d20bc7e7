using Hunyuan.Grains.Processes;

namespace Hunyuan.Grains.Nodes;

/// <summary>
/// GPUs from nvidia-smi, the fallback when NVML does not load; a missing or failing nvidia-smi is reported as the
/// probe's error. The list is filtered by <paramref name="cudaVisibleDevices"/> as <see cref="VisibleDevices"/> says.
/// </summary>
public sealed class NvidiaSmiGpuProbe(IProcessRunner runner, string nvidiaSmiPath = "nvidia-smi", string? cudaVisibleDevices = null) : IGpuProbe
{
    public async Task<GpuProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(nvidiaSmiPath, NvidiaSmiParser.QueryArguments, TimeSpan.FromSeconds(10), cancellationToken);
        if (result.ExitCode == 127)
        {
            return new GpuProbeResult([], $"nvidia-smi not found ({nvidiaSmiPath})");
        }

        var (all, errors) = NvidiaSmiParser.Parse(result.Stdout);
        var gpus = VisibleDevices.Filter(all, cudaVisibleDevices);
        if (result.ExitCode != 0)
        {
            var detail = string.Join("; ", errors.Concat([result.Stderr.Trim()]).Where(s => s.Length > 0));
            return new GpuProbeResult(gpus, $"nvidia-smi exited {result.ExitCode}: {detail}");
        }

        return new GpuProbeResult(gpus, errors.Count > 0 ? "nvidia-smi printed: " + string.Join("; ", errors) : null);
    }
}
