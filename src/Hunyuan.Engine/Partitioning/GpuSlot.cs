namespace Hunyuan.Engine.Partitioning;

/// <summary>A GPU, or on a CPU host a declared virtual GPU: a device slot with a memory budget.</summary>
public sealed record GpuSlot(int Index, long MemoryBytes, string Name = "virtual");
