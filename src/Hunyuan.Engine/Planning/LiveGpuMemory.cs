namespace Hunyuan.Engine.Planning;

/// <summary>A GPU's free memory as its node last measured it (NVML or nvidia-smi), for the check before loading.</summary>
public sealed record LiveGpuMemory(string Node, int Gpu, long FreeBytes);
