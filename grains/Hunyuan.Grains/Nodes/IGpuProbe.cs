namespace Hunyuan.Grains.Nodes;

/// <summary>Finds a node's GPUs. A failure is reported in the result, never thrown: a node without GPUs is still a node.</summary>
public interface IGpuProbe
{
    Task<GpuProbeResult> ProbeAsync(CancellationToken cancellationToken);
}

public sealed record GpuProbeResult(IReadOnlyList<GpuInfo> Gpus, string? Error);
