using Hunyuan.Grains.Hosting;
using Orleans.Runtime;

namespace Hunyuan.Grains.Deployments;

/// <summary>A node as membership sees it: alive if any silo of its name is active (a restarted node has a dead entry too).</summary>
public sealed record NodeMembership(string Name, bool IsHead, string State, string? SiloAddress, string? Address);

/// <summary>Reads node liveness through the management grain; works from grains and from external clients alike.</summary>
public static class ClusterMembership
{
    public static async Task<IReadOnlyList<NodeMembership>> ReadAsync(IGrainFactory grains)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        return hosts
            .Where(h => !string.IsNullOrEmpty(h.SiloName))
            .GroupBy(h => SiloNames.NodeOf(h.SiloName))
            .Select(g =>
            {
                var active = g.FirstOrDefault(h => h.Status == SiloStatus.Active);
                var joining = g.FirstOrDefault(h => h.Status is SiloStatus.Joining or SiloStatus.Created);
                var pick = active ?? joining ?? g.OrderByDescending(h => h.SiloAddress.Generation).First();
                var state = active is not null ? "alive" : joining is not null ? "joining" : "dead";
                return new NodeMembership(g.Key, g.Any(h => SiloNames.IsHead(h.SiloName)), state, pick.SiloAddress.ToString(), pick.SiloAddress.Endpoint.Address.ToString());
            })
            .OrderBy(n => n.IsHead ? 0 : 1).ThenBy(n => n.Name, StringComparer.Ordinal)
            .ToArray();
    }
}
