using Hunyuan.Engine.DataPlane;
using Hunyuan.Grains.Deployments;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>
/// The serving lease through real grain calls on a two-silo in-process cluster, with the ranks on the real data plane:
/// one holder at a time, a refusal naming the holder, take-over, and the ranks rejecting the stale holder's steps.
/// </summary>
[Collection(SharedTwoNodeCluster.Name)]
public sealed class ServingLeaseTests(TwoNodeCluster cluster)
{
    [Fact]
    public async Task OneEndpointHoldsTheLeaseAndATakeOverLeavesTheOldHoldersStepsRejected()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("lease");
        var fixture = Fixtures.Path("tiny-moe");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("lease"));

        var first = await grain.AcquireLeaseAsync("endpoint A", takeOver: false);
        Assert.True(first.Granted, first.Reason);
        var refused = await grain.AcquireLeaseAsync("endpoint B", takeOver: false);
        Assert.False(refused.Granted);
        Assert.Equal("endpoint A", refused.Holder);
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.GenerateAsync([1, 2, 3], 2));

        using var golden = new Golden(fixture);
        await using var a = await DataPlaneDriver.ConnectAsync(DataPlaneTargets.Of(first.Layout!, first.Lease));
        Assert.Equal(golden.GreedyIds, await a.GenerateAsync(1, golden.InputIds, golden.GreedyIds.Length));
        Assert.True(await grain.RenewLeaseAsync(first.Lease, new CanaryReport(DateTimeOffset.UtcNow, 1, null, 4)));

        var second = await grain.AcquireLeaseAsync("endpoint B", takeOver: true);
        Assert.True(second.Granted, second.Reason);
        Assert.True(second.Lease > first.Lease);
        Assert.False(await grain.RenewLeaseAsync(first.Lease, null));
        await using var b = await DataPlaneDriver.ConnectAsync(DataPlaneTargets.Of(second.Layout!, second.Lease));
        var stale = await Assert.ThrowsAsync<DataPlaneException>(() => a.GenerateAsync(2, [1, 2, 3], 2));
        Assert.Contains($"lease {first.Lease}", stale.Message, StringComparison.Ordinal);
        Assert.True(a.Superseded, "a refused step breaks the stale holder's driver");
        Assert.Equal(golden.GreedyIds, await b.GenerateAsync(3, golden.InputIds, golden.GreedyIds.Length));

        await grain.ReleaseLeaseAsync(second.Lease);
        Assert.Equal(2, (await grain.GenerateAsync([1, 2, 3], 2)).Length);
        await grain.RemoveAsync();
    }

    [Fact]
    public async Task ALeaseNotRenewedWithinItsTimeToLiveLapsesAndTheNextAskerGetsItWithoutATakeOver()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("lapse");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("lapse"));
        var first = await grain.AcquireLeaseAsync("endpoint A", takeOver: false);
        Assert.True(first.Granted, first.Reason);

        cluster.Clock.Advance(TimeSpan.FromSeconds(first.TtlSeconds - 1));
        Assert.False((await grain.AcquireLeaseAsync("endpoint B", takeOver: false)).Granted);
        Assert.True(await grain.RenewLeaseAsync(first.Lease, null));

        cluster.Clock.Advance(TimeSpan.FromSeconds(first.TtlSeconds + 1));
        var second = await grain.AcquireLeaseAsync("endpoint B", takeOver: false);
        Assert.True(second.Granted, second.Reason);
        Assert.True(second.Lease > first.Lease);
        Assert.False(await grain.RenewLeaseAsync(first.Lease, null));
        await grain.RemoveAsync();
    }

    [Fact]
    public async Task TheHoldersFailedCanaryDegradesTheDeploymentAndItsNextPassingOneMakesItReady()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("holder-canary");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("holder-canary"));
        var lease = await grain.AcquireLeaseAsync("endpoint A", takeOver: false);
        Assert.True(lease.Granted, lease.Reason);

        Assert.True(await grain.RenewLeaseAsync(lease.Lease, new CanaryReport(cluster.Clock.GetUtcNow(), 3, "rank 1: boom", 0)));
        var degraded = (await grain.GetStatusAsync())!;
        Assert.Equal(DeploymentState.Degraded, degraded.State);
        Assert.Equal("rank 1: boom", degraded.CanaryError);

        // Supervision leaves the verdict to the holder while it holds the lease: ticks do not make it ready again.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal(DeploymentState.Degraded, (await grain.GetStatusAsync())!.State);

        var at = cluster.Clock.GetUtcNow();
        Assert.True(await grain.RenewLeaseAsync(lease.Lease, new CanaryReport(at, 3, null, 4)));
        var ready = (await grain.GetStatusAsync())!;
        Assert.Equal(DeploymentState.Ready, ready.State);
        Assert.Null(ready.CanaryError);
        Assert.Equal(at, ready.CanaryPassedAt);
        await grain.RemoveAsync();
    }
}
