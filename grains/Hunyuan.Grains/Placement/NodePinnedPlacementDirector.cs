using Hunyuan.Grains.Hosting;
using Hunyuan.Grains.Ranks;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Hunyuan.Grains.Placement;

/// <summary>Resolves a node name (from the grain key, or the head) to the active silo of that name.</summary>
internal sealed class NodePinnedPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var snapshot = membership.CurrentSnapshot;
        string wanted;
        if (strategy is HeadPlacementStrategy)
        {
            wanted = SiloNames.HeadPrefix;
            foreach (var silo in compatible)
            {
                if (snapshot.Members.TryGetValue(silo, out var m) && m.Status == SiloStatus.Active && SiloNames.IsHead(m.Name))
                {
                    return Task.FromResult(silo);
                }
            }

            throw new OrleansException($"no active head silo for {target.GrainIdentity}: the head node is down");
        }

        var key = target.GrainIdentity.Key.ToString()!;
        wanted = key.Contains('|', StringComparison.Ordinal) ? RankKeys.Parse(key).Node : key;
        foreach (var silo in compatible)
        {
            if (snapshot.Members.TryGetValue(silo, out var m) && m.Status == SiloStatus.Active && SiloNames.NodeOf(m.Name) == wanted)
            {
                return Task.FromResult(silo);
            }
        }

        throw new OrleansException($"node '{wanted}' has no active silo; {target.GrainIdentity} cannot be placed until it returns");
    }
}
