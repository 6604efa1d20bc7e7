using Hunyuan.Engine.DataPlane;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Ranks;
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
        var before = await CollectivesAsync(status);
        await using (var driver = await DataPlaneDriver.ConnectAsync(DataPlaneTargets.Of(lease.Layout!, lease.Lease)))
        {
            Assert.Equal(golden.GreedyIds, await driver.GenerateAsync(1, golden.InputIds, golden.GreedyIds.Length));
        }

        // Each member reports its collectives over the data plane: both ran the same ones, the same number every step.
        var after = await CollectivesAsync(status);
        var ran = after.Zip(before, (a, b) => a.Collectives - b.Collectives).ToArray();
        Assert.True(ran[0] > 0 && ran[0] == ran[1] && ran[0] % golden.GreedyIds.Length == 0, $"collectives per member: {string.Join(", ", ran)} over {golden.GreedyIds.Length} steps");
        Assert.All(after, c => Assert.True(c.SendSeconds > 0 && c.WaitSeconds >= 0 && c.ReceiveSeconds > 0 && c.CombineSeconds > 0, c.ToString()));

        await grain.ReleaseLeaseAsync(lease.Lease);
        await grain.RemoveAsync();
    }

    private async Task<RankCollectiveTimings[]> CollectivesAsync(DeploymentStatus status) =>
        (await Task.WhenAll(status.Ranks.Select(r => cluster.Grains.GetGrain<IRankGrain>(RankKeys.Format(status.Name, r.Rank, r.Node)).GetStatusAsync())))
            .Select(s => s.Collectives ?? throw new Xunit.Sdk.XunitException($"rank {s.Rank} reports no collectives over the data plane"))
            .ToArray();
}
