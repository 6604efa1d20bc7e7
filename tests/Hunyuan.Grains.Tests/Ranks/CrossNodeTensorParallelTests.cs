using Hunyuan.Engine.DataPlane;
using Hunyuan.Grains.Deployments;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Grains.Tests.Ranks;

/// <summary>
/// A tensor-parallel group spanning both silos (each node has one virtual GPU, so TP2 puts one member on each): the
/// rank grains build their group on the data plane, and the deployment serves the reference's greedy ids.
/// </summary>
[Collection(Deployments.SharedTwoNodeCluster.Name)]
public sealed class CrossNodeTensorParallelTests(Deployments.TwoNodeCluster cluster)
{
    [Fact]
    public async Task ATensorParallelGroupSpanningBothSilosServesTheReferenceIds()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("tp-across");
        var fixture = Fixtures.Path("tiny-moe");
        var status = await Deployments.Supervised.DeployReadyAsync(grain, Deployments.Supervised.Spec("tp-across") with { Tp = 2, Pp = 1 });
        Assert.Equal(2, status.Ranks.Select(r => r.Node).Distinct().Count());

        var lease = await grain.AcquireLeaseAsync("test driver", takeOver: false);
        Assert.True(lease.Granted, lease.Reason);
        using var golden = new Golden(fixture);
        await using (var driver = await DataPlaneDriver.ConnectAsync(DataPlaneTargets.Of(lease.Layout!, lease.Lease)))
        {
            Assert.Equal(golden.GreedyIds, await driver.GenerateAsync(1, golden.InputIds, golden.GreedyIds.Length));
        }

        await grain.ReleaseLeaseAsync(lease.Lease);
        await grain.RemoveAsync();
    }
}
