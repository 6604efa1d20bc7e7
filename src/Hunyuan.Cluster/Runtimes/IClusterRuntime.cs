using Hunyuan.Cluster.Logs;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Provisioning.Clusters;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>
/// How a cluster's processes come to be: where agents, Redis and the endpoint run, and how they are started, stopped
/// and inspected. Chosen once (from --local or the host list, later from the state file); <see cref="ClusterService"/>
/// does the rest (locking, joining, deploying, state) the same way for every runtime. A new runtime is one new class.
/// </summary>
public interface IClusterRuntime
{
    /// <summary>The name kept in the state file (<see cref="ClusterRuntimeKinds"/>).</summary>
    string Kind { get; }

    string ClusterName { get; }

    /// <summary>Whether a failed first `up` should take down what it started (the local runtime) rather than leave it for the next run to continue (hosts).</summary>
    bool RollsBackFailedUp { get; }

    /// <summary>Starts what is missing or dead, restarts what runs with other settings, leaves the rest; never waits for membership.</summary>
    Task<RuntimeUp> UpAsync(ClusterStore store, ClusterState? existing, IProgress<ClusterEvent> progress, CancellationToken cancellationToken);

    /// <summary>Stops the endpoints, the agents and Redis (and, with purge, removes what `up` installed); idempotent.</summary>
    Task<IReadOnlyList<HostOutcome>> DownAsync(ClusterStore store, ClusterState? state, bool purge, IProgress<ClusterEvent> progress, CancellationToken cancellationToken);

    /// <summary>Opens each node's logs (all nodes, or <paramref name="node"/> alone); a node that cannot be reached is one with its error.</summary>
    Task<IReadOnlyList<LogHost>> OpenLogsAsync(ClusterStore store, ClusterState state, string? node, CancellationToken cancellationToken);

    /// <summary>Starts (or keeps) a deployment's OpenAI endpoint where this runtime serves: the head node, or this machine.</summary>
    Task<EndpointRecord> EnsureEndpointAsync(ClusterStore store, ClusterState state, EndpointRequest request, IProgress<ClusterEvent> progress, CancellationToken cancellationToken);

    /// <summary>Stops a deployment's endpoint and removes the API key given to it; false when none was running. Idempotent.</summary>
    Task<bool> StopEndpointAsync(ClusterStore store, ClusterState state, string deployment, CancellationToken cancellationToken);
}
