using Hunyuan.Cluster.Control;
using Hunyuan.Cluster.Status;
using Hunyuan.Serving.Dashboard;

namespace Hunyuan.Cluster.Serving;

/// <summary>The dashboard's view of a real cluster: the same read as `hyc status`, through the endpoint's own control-plane connection.</summary>
public sealed class ControlPlaneSnapshotSource(IClusterControl control, string clusterName, TimeProvider time) : IClusterSnapshotSource
{
    public async Task<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken) =>
        Map(await ClusterStatusReader.ReadAsync(control, clusterName, cancellationToken), time.GetUtcNow());

    public static ClusterSnapshot Map(ClusterStatus status, DateTimeOffset now) => new(
        status.Cluster,
        status.Nodes.Select(n => new DashboardNode(n.Name, n.Address, n.State, n.IsHead,
            n.Gpus.Select(g => new DashboardGpu(g.Index, g.Name, g.MemoryUsedBytes, g.MemoryTotalBytes, g.Virtual)).ToArray())).ToArray(),
        status.Deployments.Select(d => new DashboardDeployment(d.Name, d.State, d.Reason,
            d.CanaryPassedAt is { } at ? Math.Max(0, (now - at).TotalSeconds) : null,
            $"TP{d.Tp} x PP{d.Pp} ({d.Variant})",
            d.Ranks.Select(r => new DashboardRank(r.Rank, r.Node, r.Gpu, r.State, r.LoadPercent)).ToArray())).ToArray());
}
