using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Nodes;

namespace Hunyuan.Cluster.Control;

/// <summary>
/// A connection to a running cluster's control plane, in the terms the application layer needs. The real one is an
/// Orleans client (<see cref="OrleansClusterControl"/>); tests use a fake.
/// </summary>
public interface IClusterControl : IAsyncDisposable
{
    /// <summary>The grains themselves, for the data-plane users (the serving backend, benchmarks).</summary>
    IGrainFactory Grains { get; }

    Task<IReadOnlyList<NodeMembership>> MembersAsync(CancellationToken cancellationToken);

    /// <summary>A node's last report, or null when it does not answer in time.</summary>
    Task<NodeReport?> NodeReportAsync(string node, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> DeploymentNamesAsync(CancellationToken cancellationToken);

    Task<DeploymentStatus?> DeploymentAsync(string name, CancellationToken cancellationToken);

    Task<DeploymentStatus> DeployAsync(DeploymentSpec spec, CancellationToken cancellationToken);

    /// <summary>Unloads a deployment's ranks and forgets it (its stored spec too). Ask only for a name <see cref="DeploymentNamesAsync"/> lists: any other would activate a grain for nothing.</summary>
    Task RemoveAsync(string name, CancellationToken cancellationToken);
}
