using Hunyuan.Grains.Deployments;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>
/// Deploying again under the same name: a new epoch, every rank loads the new spec, and the new model's greedy ids,
/// also when a supervision tick of the old deployment was in the middle of its work while the deploy ran.
/// </summary>
[Collection(SharedTwoNodeCluster.Name)]
public sealed class DeploymentEpochTests(TwoNodeCluster cluster)
{
    [Fact]
    public async Task DeployingAnotherModelUnderTheSameNameTakesANewEpochAndEveryRankServesTheNewModel()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("epochs");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("epochs"));
        var first = (await grain.GetLayoutAsync())!;
        using var a = new Golden(Fixtures.Path("tiny-moe"));
        Assert.Equal(a.GreedyIds, await grain.GenerateAsync(a.InputIds, a.GreedyIds.Length));

        await Supervised.DeployReadyAsync(grain, Supervised.Spec("epochs", "tiny-moe-bf16-sharded"));
        var second = (await grain.GetLayoutAsync())!;
        Assert.NotEqual(first.Epoch, second.Epoch);
        Assert.All(await Supervised.RanksAsync(cluster.Grains, second), r => Assert.Equal(second.Epoch, r.Epoch));
        using var b = new Golden(Fixtures.Path("tiny-moe-bf16-sharded"));
        Assert.NotEqual(a.GreedyIds, b.GreedyIds);
        Assert.Equal(b.GreedyIds, await grain.GenerateAsync(b.InputIds, b.GreedyIds.Length));
        await grain.RemoveAsync();
    }

    [Fact]
    public async Task ATickOfTheOldDeploymentThatResumesAfterANewDeploySendsNothingForTheOldEpoch()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("interleaved");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("interleaved"));
        var first = (await grain.GetLayoutAsync())!;
        var loads = cluster.Calls.LoadsOf("interleaved").Count;

        // A tick stops at its rank status queries with the first layout in hand; the deploy runs to its end meanwhile.
        DeploymentStatus deployed;
        using (var hold = cluster.Calls.HoldStatusQueries("interleaved"))
        {
            await hold.Reached.Task.WaitAsync(TimeSpan.FromSeconds(5));
            deployed = await grain.DeployAsync(Supervised.Spec("interleaved", "tiny-moe-bf16-sharded"));
        }

        Assert.NotEqual(DeploymentState.Failed, deployed.State);
        var ready = await Supervised.UntilAsync(grain, s => s.State is DeploymentState.Ready or DeploymentState.Failed, TimeSpan.FromSeconds(8));
        Assert.True(ready.State == DeploymentState.Ready, ready.Reason);
        var second = (await grain.GetLayoutAsync())!;
        Assert.NotEqual(first.Epoch, second.Epoch);

        // The resumed tick found ranks of the new epoch; had it acted on the old layout, it would have loaded it again.
        Assert.All(cluster.Calls.LoadsOf("interleaved").Skip(loads), l => Assert.Equal(second.Epoch, l.Epoch));
        Assert.All(await Supervised.RanksAsync(cluster.Grains, second), r => Assert.Equal(second.Epoch, r.Epoch));
        using var b = new Golden(Fixtures.Path("tiny-moe-bf16-sharded"));
        Assert.Equal(b.GreedyIds, await grain.GenerateAsync(b.InputIds, b.GreedyIds.Length));
        await grain.RemoveAsync();
    }
}
