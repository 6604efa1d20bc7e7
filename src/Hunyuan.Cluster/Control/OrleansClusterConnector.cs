using Hunyuan.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Hunyuan.Cluster.Control;

/// <summary>The real <see cref="IClusterConnector"/>: an Orleans client through the cluster's gateways.</summary>
public sealed class OrleansClusterConnector : IClusterConnector
{
    public async Task<IClusterControl> ConnectAsync(ClusterConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var host = await connection.ConnectAsync(timeout, cancellationToken);
        return new OrleansClusterControl(host, host.Services.GetRequiredService<IClusterClient>());
    }
}
