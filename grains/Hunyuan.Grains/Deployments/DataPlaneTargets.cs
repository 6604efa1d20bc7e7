using Hunyuan.Engine.DataPlane;
using Hunyuan.Grains.Ranks;

namespace Hunyuan.Grains.Deployments;

/// <summary>What a driver under a lease connects to, from a deployment's layout (every rank's node endpoint, epoch, token).</summary>
public static class DataPlaneTargets
{
    public static DataPlaneTarget Of(DeploymentLayout layout, long lease) =>
        new(layout.Deployment, layout.Epoch, layout.DataToken, lease, Enumerable.Range(0, layout.WorldSize).Select(layout.RankEndpoint).ToArray(), (layout.Pp - 1) * layout.Tp, layout.Pp);
}
