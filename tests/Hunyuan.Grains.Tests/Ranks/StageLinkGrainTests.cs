using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Ranks;
using Hunyuan.Grains.Tests.Deployments;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Grains.Tests.Ranks;

/// <summary>
/// The rank grain's pipeline links on the two-silo cluster (TP1 x PP2, CPU ranks on two nodes): the selector keeps the
/// socket link, so the deployment serves its greedy ids and the sending rank has no NCCL link id to hand out.
/// </summary>
[Collection(SharedTwoNodeCluster.Name)]
public sealed class StageLinkGrainTests(TwoNodeCluster cluster)
{
    [Fact]
    public async Task CpuRanksOnTwoNodesServeOverTheSocketLinkAndOfferNoNcclLinkId()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("stage-links");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("stage-links"));
        var layout = (await grain.GetLayoutAsync())!;
        Assert.NotEqual(layout.RankNodes[0], layout.RankNodes[1]);
        using var golden = new Golden(Fixtures.Path("tiny-moe"));
        Assert.Equal(golden.GreedyIds, await grain.GenerateAsync(golden.InputIds, golden.GreedyIds.Length));

        var sender = cluster.Grains.GetGrain<IRankGrain>(layout.RankKey(0));
        Assert.Null(await sender.GetStageLinkIdAsync(layout.Epoch, 1).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(await sender.GetStageLinkIdAsync("another-epoch", 1).WaitAsync(TimeSpan.FromSeconds(5)));
        await grain.RemoveAsync();
    }
}
