namespace Hunyuan.Engine.Partitioning;

/// <summary>The GPUs a plan may use, node by node.</summary>
public sealed record GpuInventory(IReadOnlyList<NodeInventory> Nodes)
{
    public int TotalGpus => Nodes.Sum(n => n.Gpus.Count);

    public static GpuInventory Uniform(int nodes, int gpusPerNode, long memoryBytes, string nodePrefix = "node") =>
        new(Enumerable.Range(0, nodes)
            .Select(n => new NodeInventory($"{nodePrefix}{n}", Enumerable.Range(0, gpusPerNode).Select(g => new GpuSlot(g, memoryBytes)).ToArray()))
            .ToArray());

    /// <summary>Every GPU as (node, slot), node by node: ranks are assigned in this order.</summary>
    public IEnumerable<(NodeInventory Node, GpuSlot Gpu)> Slots() => Nodes.SelectMany(n => n.Gpus.Select(g => (n, g)));
}
