namespace Hunyuan.Grains.Nodes;

/// <summary>One node (keyed by node name), activated on that node's silo: its inventory and heartbeat.</summary>
public interface INodeGrain : IGrainWithStringKey
{
    Task ReportAsync(NodeReport report);

    Task<NodeReport?> GetReportAsync();
}
