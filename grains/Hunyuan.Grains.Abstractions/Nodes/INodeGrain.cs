using Orleans.Concurrency;

namespace Hunyuan.Grains.Nodes;

/// <summary>One node (keyed by node name), activated on that node's silo: its inventory and heartbeat.</summary>
public interface INodeGrain : IGrainWithStringKey
{
    Task ReportAsync(NodeReport report);

    Task<NodeReport?> GetReportAsync();

    /// <summary>
    /// Whether this node can read the model directory (config.json readable, the weights present), checked on the
    /// node itself. A built-in (builtIn not null) is made under the agent's HYC_HOME first, so loading finds it.
    /// Interleaves: making a built-in takes seconds, and heartbeats must not queue behind it.
    /// </summary>
    [AlwaysInterleave]
    Task<ModelCheck> CheckModelAsync(string path, string? builtIn);
}
