using Hunyuan.Cluster.Control;
using Hunyuan.Grains.Nodes;

namespace Hunyuan.Cluster.Status;

/// <summary>One status read through the control plane: membership, each alive node's report, and (while the head is alive) every deployment.</summary>
public static class ClusterStatusReader
{
    public static async Task<ClusterStatus> ReadAsync(IClusterControl control, string clusterName, CancellationToken cancellationToken)
    {
        var members = await control.MembersAsync(cancellationToken);
        // All reports at once: a node that just died (still "alive" in membership) costs one report timeout, not one each.
        var reports = await Task.WhenAll(members.Select(m => m.State == "alive" ? control.NodeReportAsync(m.Name, cancellationToken) : Task.FromResult<NodeReport?>(null)));
        var nodes = members.Select((m, i) => (Member: m, Report: reports[i])).Select(x => new NodeView(x.Member.Name, x.Report?.Address ?? x.Member.Address ?? "", x.Member.State, x.Member.IsHead,
            x.Report?.Gpus.Select(g => new GpuView(g.Index, g.Name, g.MemoryTotalBytes, g.MemoryUsedBytes, g.UtilizationPercent, g.Virtual, g.MemoryFreeBytes)).ToArray() ?? [],
            x.Report?.GpuProbeError, x.Report?.At, x.Report?.ProcessMemoryBytes, x.Report?.LoadAverage)).ToList();

        var deployments = new List<DeploymentView>();
        if (members.Any(m => m.IsHead && m.State == "alive"))
        {
            foreach (var name in await control.DeploymentNamesAsync(cancellationToken))
            {
                if (await control.DeploymentAsync(name, cancellationToken) is { } s)
                {
                    deployments.Add(DeploymentView.From(s));
                }
            }
        }

        return new ClusterStatus(clusterName, nodes.ToArray(), deployments.ToArray());
    }
}
