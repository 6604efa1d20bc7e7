using Hunyuan.Cluster.Runtimes;
using Hunyuan.Provisioning.Clusters;

namespace Hunyuan.Cluster.Services;

/// <summary>One host after `up`: what the runtime did there and where it stands (alive, not joined, failed).</summary>
public sealed record UpHost(HostOutcome Report, string State);

/// <summary>The outcome of `up`: per host, whether anything changed, and the deployment when one was asked for.</summary>
public sealed record UpReport(string Cluster, string Runtime, bool Ok, bool Changed, string? AgentBundle, IReadOnlyList<UpHost> Hosts, DeployReport? Deployment, string? Endpoint)
{
    public int Alive => Hosts.Count(h => h.State == "alive");
}

/// <summary>The outcome of `down`: per host, and the local files removed.</summary>
public sealed record DownReport(string Cluster, bool Ok, IReadOnlyList<HostOutcome> Hosts, IReadOnlyList<string> Removed);
