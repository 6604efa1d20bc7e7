using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Nodes;

namespace Hunyuan.Cli.Commands.Cluster;

internal sealed record GpuView(int Index, string Name, long MemoryTotalBytes, long? MemoryUsedBytes, int? UtilizationPercent, bool Virtual);

internal sealed record NodeView(string Name, string Address, string State, bool IsHead, GpuView[] Gpus, string? GpuProbeError, DateTimeOffset? LastReportAt, long? ProcessMemoryBytes, double? LoadAverage);

internal sealed record RankJson(int Rank, string Node, int Gpu, string State, double LoadPercent, string Layers, string Experts, string? Error, long ResidentWeightBytes, long PlannedWeightBytes);

internal sealed record DeploymentView(string Name, string Model, string Variant, int Tp, int Pp, string State, string Reason, string? Endpoint, DateTimeOffset? CanaryPassedAt, double? CanaryMs, string? CanaryError, string Plan, RankJson[] Ranks)
{
    public static DeploymentView From(DeploymentStatus s) => new(s.Name, s.Model, s.Variant, s.Tp, s.Pp, s.State.ToString().ToLowerInvariant(), s.Reason, s.Endpoint,
        s.CanaryPassedAt, s.CanaryMs, s.CanaryError, s.PlanText,
        s.Ranks.Select(r => new RankJson(r.Rank, r.Node, r.Gpu, r.State.ToString().ToLowerInvariant(), r.LoadPercent, r.Layers, r.Experts, r.Error, r.ResidentWeightBytes, r.PlannedWeightBytes)).ToArray());
}

internal sealed record StatusOutput(string Cluster, NodeView[] Nodes, DeploymentView[] Deployments);

/// <summary>One read of the cluster: membership, each node's last report, each deployment's status.</summary>
internal static class ClusterSnapshot
{
    public static async Task<StatusOutput> ReadAsync(IClusterClient client, string clusterName)
    {
        var members = await ClusterMembership.ReadAsync(client);
        var nodes = new List<NodeView>();
        foreach (var m in members)
        {
            NodeReport? report = null;
            if (m.State == "alive")
            {
                try
                {
                    report = await client.GetGrain<INodeGrain>(m.Name).GetReportAsync().WaitAsync(TimeSpan.FromSeconds(5));
                }
                catch (Exception ex) when (ex is TimeoutException or OrleansException)
                {
                    report = null;
                }
            }

            nodes.Add(new NodeView(m.Name, report?.Address ?? m.Address ?? "", m.State, m.IsHead,
                report?.Gpus.Select(g => new GpuView(g.Index, g.Name, g.MemoryTotalBytes, g.MemoryUsedBytes, g.UtilizationPercent, g.Virtual)).ToArray() ?? [],
                report?.GpuProbeError, report?.At, report?.ProcessMemoryBytes, report?.LoadAverage));
        }

        var deployments = new List<DeploymentView>();
        if (members.Any(m => m.IsHead && m.State == "alive"))
        {
            foreach (var name in await client.GetGrain<IDeploymentRegistryGrain>("registry").ListAsync())
            {
                var s = await client.GetGrain<IDeploymentGrain>(name).GetStatusAsync();
                if (s is not null)
                {
                    deployments.Add(DeploymentView.From(s));
                }
            }
        }

        return new StatusOutput(clusterName, nodes.ToArray(), deployments.ToArray());
    }
}
