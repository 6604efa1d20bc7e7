using Hunyuan.Grains.Processes;

namespace Hunyuan.Grains.Nodes;

/// <summary>GPUs from nvidia-smi; a missing or failing nvidia-smi is reported as the probe's error.</summary>
public sealed class NvidiaSmiGpuProbe(IProcessRunner runner, string nvidiaSmiPath = "nvidia-smi") : IGpuProbe
{
    public async Task<GpuProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(nvidiaSmiPath, NvidiaSmiParser.QueryArguments, TimeSpan.FromSeconds(10), cancellationToken);
        if (result.ExitCode == 127)
        {
            return new GpuProbeResult([], $"nvidia-smi not found ({nvidiaSmiPath})");
        }

        var (gpus, errors) = NvidiaSmiParser.Parse(result.Stdout);
        if (result.ExitCode != 0)
        {
            var detail = string.Join("; ", errors.Concat([result.Stderr.Trim()]).Where(s => s.Length > 0));
            return new GpuProbeResult(gpus, $"nvidia-smi exited {result.ExitCode}: {detail}");
        }

        return new GpuProbeResult(gpus, errors.Count > 0 ? "nvidia-smi printed: " + string.Join("; ", errors) : null);
    }
}
