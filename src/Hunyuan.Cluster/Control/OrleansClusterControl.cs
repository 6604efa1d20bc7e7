using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Nodes;
using Microsoft.Extensions.Hosting;

namespace Hunyuan.Cluster.Control;

/// <summary>An Orleans client host and the grain calls the application layer makes through it.</summary>
public sealed class OrleansClusterControl(IHost host, IClusterClient client) : IClusterControl
{
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(5);

    public IGrainFactory Grains => client;

    public Task<IReadOnlyList<NodeMembership>> MembersAsync(CancellationToken cancellationToken) => ClusterMembership.ReadAsync(client);

    public async Task<NodeReport?> NodeReportAsync(string node, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetGrain<INodeGrain>(node).GetReportAsync().WaitAsync(ReportTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<string>> DeploymentNamesAsync(CancellationToken cancellationToken) =>
        await client.GetGrain<IDeploymentRegistryGrain>("registry").ListAsync().WaitAsync(cancellationToken);

    public Task<DeploymentStatus?> DeploymentAsync(string name, CancellationToken cancellationToken) =>
        client.GetGrain<IDeploymentGrain>(name).GetStatusAsync().WaitAsync(cancellationToken);

    public Task<DeploymentStatus> DeployAsync(DeploymentSpec spec, CancellationToken cancellationToken) =>
        client.GetGrain<IDeploymentGrain>(spec.Name).DeployAsync(spec).WaitAsync(cancellationToken);

    public Task RemoveAsync(string name, CancellationToken cancellationToken) =>
        client.GetGrain<IDeploymentGrain>(name).RemoveAsync().WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await host.StopAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
        }

        host.Dispose();
    }
}
