namespace Hunyuan.Serving.Dashboard;

/// <summary>
/// A read-only view of the cluster the endpoint serves from, polled by the dashboard once a second. The cluster's
/// implementation reads the control plane (Hunyuan.Cluster); an in-process endpoint has <see cref="InProcessSnapshotSource"/>.
/// </summary>
public interface IClusterSnapshotSource
{
    Task<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken);
}
