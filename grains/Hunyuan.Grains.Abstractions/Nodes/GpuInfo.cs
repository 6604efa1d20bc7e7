namespace Hunyuan.Grains.Nodes;

/// <summary>
/// A GPU as NVML (or nvidia-smi) reports it, or a virtual GPU declared on a CPU host (Virtual = true). Memory figures are
/// live, in bytes; MemoryFreeBytes is null where the probe could not tell (virtual GPUs, an older agent).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record GpuInfo(
    [property: Id(0)] int Index,
    [property: Id(1)] string Uuid,
    [property: Id(2)] string Name,
    [property: Id(3)] long MemoryTotalBytes,
    [property: Id(4)] long? MemoryUsedBytes,
    [property: Id(5)] int? UtilizationPercent,
    [property: Id(6)] bool Virtual,
    [property: Id(7)] long? MemoryFreeBytes = null);
