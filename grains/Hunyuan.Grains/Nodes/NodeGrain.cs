using Hunyuan.Grains.Placement;

namespace Hunyuan.Grains.Nodes;

/// <summary>Keeps the latest report of its node; lives on that node's silo, so it dies with the node.</summary>
[NodePinnedPlacement]
internal sealed class NodeGrain : Grain, INodeGrain
{
    private NodeReport? _report;

    public Task ReportAsync(NodeReport report)
    {
        _report = report;
        return Task.CompletedTask;
    }

    public Task<NodeReport?> GetReportAsync() => Task.FromResult(_report);
}
