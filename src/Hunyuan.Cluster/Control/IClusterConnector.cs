using Hunyuan.Grains.Hosting;

namespace Hunyuan.Cluster.Control;

/// <summary>Opens a <see cref="IClusterControl"/>; throws <see cref="ClusterUnreachableException"/> naming the gateways when none answers.</summary>
public interface IClusterConnector
{
    Task<IClusterControl> ConnectAsync(ClusterConnection connection, TimeSpan timeout, CancellationToken cancellationToken);
}
