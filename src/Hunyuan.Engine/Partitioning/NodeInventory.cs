namespace Hunyuan.Engine.Partitioning;

/// <summary>One node's GPUs, in index order.</summary>
public sealed record NodeInventory(string Name, IReadOnlyList<GpuSlot> Gpus);
