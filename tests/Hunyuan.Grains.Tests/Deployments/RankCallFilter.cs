using Hunyuan.Grains.Ranks;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>
/// Sees the rank calls that leave a silo's grains (only the head's deployment grains load ranks and ask their status)
/// and tells the cluster's <see cref="RankCalls"/>; it changes no call, it may only delay a status query.
/// </summary>
internal sealed class RankCallFilter(IOptions<ClusterOptions> cluster) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == typeof(IRankGrain))
        {
            var (deployment, rank, _) = RankKeys.Parse(context.TargetId.Key.ToString()!);
            var calls = TwoNodeCluster.RankCallsOf(cluster.Value.ClusterId);
            if (context.MethodName == nameof(IRankGrain.LoadAsync))
            {
                calls.Loaded(deployment, rank, context.Request.GetArgument(0) as DeploymentLayout);
            }
            else if (context.MethodName == nameof(IRankGrain.GetStatusAsync))
            {
                await calls.StatusQueryAsync(deployment);
            }
        }

        await context.Invoke();
    }
}
