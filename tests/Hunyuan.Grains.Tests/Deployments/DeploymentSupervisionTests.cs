using Hunyuan.Engine.DataPlane;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>
/// The head's supervision on the two-silo in-process cluster with real ranks on the real data plane: the canary's
/// schedule and what its failure does, a lost node's rank placed again on the node's new silo, the canary beside a
/// live generation, a head generation counted as a passing canary, a new activation of the deployment grain restoring itself from storage,
/// and a removed deployment that stays removed.
/// </summary>
[Collection(SharedTwoNodeCluster.Name)]
public sealed class DeploymentSupervisionTests(TwoNodeCluster cluster)
{
    private static readonly TimeSpan CanaryPeriod = new SupervisionOptions().CanaryPeriod;

    [Fact]
    public async Task AFailedCanaryDegradesTheDeploymentAndTheNextPassingOneMakesItReadyAgain()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("canary-fails");
        var ready = await Supervised.DeployReadyAsync(grain, Supervised.Spec("canary-fails"));
        var layout = (await grain.GetLayoutAsync())!;

        // A driver under a lease a day ahead of the head's clock: the ranks now refuse the head's steps and drivers, as
        // they would after the head moved to a host whose clock is behind.
        var ahead = cluster.Clock.GetUtcNow().AddDays(1).UtcTicks;
        await using (await DataPlaneDriver.ConnectAsync(DataPlaneTargets.Of(layout, ahead)))
        {
        }

        // The canary is not due yet: five ticks later the deployment is still ready on the same canary.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var quiet = (await grain.GetStatusAsync())!;
        Assert.Equal(DeploymentState.Ready, quiet.State);
        Assert.Equal(ready.CanaryPassedAt, quiet.CanaryPassedAt);

        cluster.Clock.Advance(CanaryPeriod + TimeSpan.FromSeconds(1));
        var degraded = await Supervised.UntilAsync(grain, s => s.State != DeploymentState.Ready, TimeSpan.FromSeconds(5));
        Assert.Equal(DeploymentState.Degraded, degraded.State);
        Assert.StartsWith("canary failed", degraded.Reason, StringComparison.Ordinal);
        Assert.Contains("lease", degraded.CanaryError, StringComparison.Ordinal);
        Assert.Equal(ready.CanaryPassedAt, degraded.CanaryPassedAt);

        // Once the head's clock passes the stray lease, its next canary runs under a newer lease and passes.
        cluster.Clock.Advance(TimeSpan.FromDays(2));
        var healed = await Supervised.UntilAsync(grain, s => s.State == DeploymentState.Ready, TimeSpan.FromSeconds(5));
        Assert.True(healed.State == DeploymentState.Ready, healed.Reason);
        Assert.Null(healed.CanaryError);
        Assert.True(healed.CanaryPassedAt > ready.CanaryPassedAt);
        await grain.RemoveAsync();
    }

    [Fact]
    public async Task ARankWhoseNodeIsLostIsPlacedAgainOnTheNodesNewSiloAndTheDeploymentIsReadyAgain()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("node-lost");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("node-lost"));
        var layout = (await grain.GetLayoutAsync())!;
        Assert.Equal(TwoNodeCluster.Worker, layout.RankNodes[1]);
        var before = await Supervised.RanksAsync(cluster.Grains, layout);

        await cluster.StopWorkerAsync();
        var degraded = await Supervised.UntilAsync(grain, s => s.State != DeploymentState.Ready, TimeSpan.FromSeconds(5));
        Assert.Equal(DeploymentState.Degraded, degraded.State);
        Assert.Contains($"{TwoNodeCluster.Worker} lost", degraded.Reason, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.GenerateAsync([1, 2, 3], 2));

        await cluster.StartWorkerAsync();
        var healed = await Supervised.UntilAsync(grain, s => s.State == DeploymentState.Ready, TimeSpan.FromSeconds(8));
        Assert.True(healed.State == DeploymentState.Ready, healed.Reason);

        var after = await Supervised.RanksAsync(cluster.Grains, layout);
        Assert.NotEqual(before[1].Silo, after[1].Silo);
        Assert.Equal(before[0].Silo, after[0].Silo);
        Assert.All(after, r => Assert.Equal(layout.Epoch, r.Epoch));
        Assert.Equal(cluster.DataEndpointOf(TwoNodeCluster.Worker), (await grain.GetLayoutAsync())!.RankEndpoint(1));
        using var golden = new Golden(Fixtures.Path("tiny-moe"));
        Assert.Equal(golden.GreedyIds, await grain.GenerateAsync(golden.InputIds, golden.GreedyIds.Length));
        await grain.RemoveAsync();
    }

    [Fact]
    public async Task TheHeadsCanaryRunsBesideALiveGenerationWithoutTouchingItsSequence()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("canary-beside");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("canary-beside", maxModelLen: 128));
        using var golden = new Golden(Fixtures.Path("tiny-moe"));
        var tokens = 128 - golden.InputIds.Length;
        var alone = await grain.GenerateAsync(golden.InputIds, tokens);

        // Each round moves the clock past the canary period while the generation runs, so ticks run canaries on the
        // same head driver between its steps; a round counts when a canary passed before the generation ended.
        var overlapped = 0;
        for (var round = 0; round < 3 && overlapped == 0; round++)
        {
            var passed = (await grain.GetStatusAsync())!.CanaryPassedAt;
            var live = grain.GenerateAsync(golden.InputIds, tokens);
            while (!live.IsCompleted)
            {
                cluster.Clock.Advance(CanaryPeriod + TimeSpan.FromSeconds(1));
                await Task.Delay(20);
                var status = (await grain.GetStatusAsync())!;
                Assert.Null(status.CanaryError);
                if (status.CanaryPassedAt != passed)
                {
                    // The generation's own end counts as a pass too (see the next test); only the canary's counts here.
                    overlapped += !live.IsCompleted && status.Reason.StartsWith("ready: canary ", StringComparison.Ordinal) ? 1 : 0;
                    passed = status.CanaryPassedAt;
                }
            }

            Assert.Equal(alone, await live);
        }

        Assert.True(overlapped > 0, "no canary ran while a generation was live");
        Assert.Equal(DeploymentState.Ready, (await grain.GetStatusAsync())!.State);
        await grain.RemoveAsync();
    }

    [Fact]
    public async Task AGenerationOnTheHeadCountsAsAPassingCanarySoThePeriodicOneWaitsAPeriodAfterIt()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("generation-passes");
        var ready = await Supervised.DeployReadyAsync(grain, Supervised.Spec("generation-passes"));
        using var golden = new Golden(Fixtures.Path("tiny-moe"));

        cluster.Clock.Advance(CanaryPeriod / 2);
        Assert.Equal(golden.GreedyIds, await grain.GenerateAsync(golden.InputIds, golden.GreedyIds.Length));
        var generated = (await grain.GetStatusAsync())!;
        Assert.Equal(cluster.Clock.GetUtcNow(), generated.CanaryPassedAt);
        Assert.Equal(DeploymentState.Ready, generated.State);
        Assert.StartsWith($"ready: a generation on the head generated {golden.GreedyIds.Length} tokens", generated.Reason, StringComparison.Ordinal);

        // A period after the deploy's canary but not after the generation: five ticks later no canary has run.
        cluster.Clock.Advance(CanaryPeriod / 2 + TimeSpan.FromSeconds(1));
        Assert.True(cluster.Clock.GetUtcNow() - ready.CanaryPassedAt > CanaryPeriod);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(generated.CanaryPassedAt, (await grain.GetStatusAsync())!.CanaryPassedAt);

        // A period after the generation, the canary runs again on its own.
        cluster.Clock.Advance(CanaryPeriod / 2);
        var canary = await Supervised.UntilAsync(grain, s => s.CanaryPassedAt != generated.CanaryPassedAt, TimeSpan.FromSeconds(5));
        Assert.StartsWith("ready: canary generated 4 tokens", canary.Reason, StringComparison.Ordinal);
        await grain.RemoveAsync();
    }

    [Fact]
    public async Task ANewActivationOfTheDeploymentComesBackWithItsStoredSpecAndBecomesReadyByItself()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("restored");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("restored"));
        var layout = (await grain.GetLayoutAsync())!;
        var loads = cluster.Calls.LoadsOf("restored").Count;

        await grain.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        var restored = (await grain.GetStatusAsync())!;
        Assert.Equal(DeploymentState.Degraded, restored.State);
        Assert.Contains("head restarted", restored.Reason, StringComparison.Ordinal);

        var ready = await Supervised.UntilAsync(grain, s => s.State == DeploymentState.Ready, TimeSpan.FromSeconds(5));
        Assert.True(ready.State == DeploymentState.Ready, ready.Reason);
        Assert.Equal(layout.Epoch, (await grain.GetLayoutAsync())!.Epoch);

        // The ranks were found again under the stored epoch (each told the nodes' endpoints once), not placed anew.
        Assert.All(cluster.Calls.LoadsOf("restored").Skip(loads), l => Assert.Equal(layout.Epoch, l.Epoch));
        Assert.All(await Supervised.RanksAsync(cluster.Grains, layout), r => Assert.Equal(RankState.Ready, r.State));
        using var golden = new Golden(Fixtures.Path("tiny-moe"));
        Assert.Equal(golden.GreedyIds, await grain.GenerateAsync(golden.InputIds, golden.GreedyIds.Length));
        await grain.RemoveAsync();
    }

    [Fact]
    public async Task ARemovedDeploymentUnloadsItsRanksAndANewActivationDoesNotBringItBack()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("removed");
        await Supervised.DeployReadyAsync(grain, Supervised.Spec("removed"));
        var layout = (await grain.GetLayoutAsync())!;
        Assert.All(await Supervised.RanksAsync(cluster.Grains, layout), r => Assert.Equal(RankState.Ready, r.State));

        await grain.RemoveAsync();

        Assert.All(await Supervised.RanksAsync(cluster.Grains, layout), r => Assert.Equal(RankState.Pending, r.State));
        Assert.DoesNotContain("removed", await cluster.Grains.GetGrain<IDeploymentRegistryGrain>("registry").ListAsync());
        await grain.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Null(await grain.GetStatusAsync());
        Assert.Null(await grain.GetLayoutAsync());
    }
}
