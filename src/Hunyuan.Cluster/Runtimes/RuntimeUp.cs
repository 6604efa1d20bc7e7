using Hunyuan.Cluster.State;
using Hunyuan.Provisioning.Clusters;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>A runtime's part of `up`: the state to keep (how to reach the cluster) and each host's outcome.</summary>
public sealed record RuntimeUp(ClusterState State, IReadOnlyList<HostOutcome> Hosts)
{
    public bool Changed => Hosts.Any(h => h.Changes.Count > 0);
}
