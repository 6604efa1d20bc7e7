namespace Hunyuan.Engine.Partitioning;

/// <summary>The GPUs a plan may use, node by node.</summary>
public sealed record GpuInventory(IReadOnlyList<NodeInventory> Nodes)
{
    public int TotalGpus => Nodes.Sum(n => n.Gpus.Count);

    /// <summary>The same GPUs on every node; <paramref name="gpuName"/> ("H200", or "virtual" for CPU slots) sets the bandwidth the planner assumes.</summary>
    public static GpuInventory Uniform(int nodes, int gpusPerNode, long memoryBytes, string nodePrefix = "node", string gpuName = "virtual") =>
        new(Enumerable.Range(0, nodes)
            .Select(n => new NodeInventory($"{nodePrefix}{n}", Enumerable.Range(0, gpusPerNode).Select(g => new GpuSlot(g, memoryBytes, gpuName)).ToArray()))
            .ToArray());

    /// <summary>Every GPU as (node, slot), node by node: ranks are assigned in this order.</summary>
    public IEnumerable<(NodeInventory Node, GpuSlot Gpu)> Slots() => Nodes.SelectMany(n => n.Gpus.Select(g => (n, g)));
}
