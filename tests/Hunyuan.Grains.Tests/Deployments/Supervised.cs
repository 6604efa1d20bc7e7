using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>Deployments of the tiny fixtures as TP1 x PP2 over the two silos (rank 0 on the head, rank 1 on the worker), and bounded waits on them.</summary>
internal static class Supervised
{
    public static DeploymentSpec Spec(string name, string fixture = "tiny-moe", int maxModelLen = 64) =>
        new(name, Fixtures.Path(fixture), "bf16", "float32", 1, 2, "ep", MaxModelLen: maxModelLen, KvCacheBytesPerRank: 1L << 20);

    /// <summary>Polls the deployment's status (every 50 ms, for at most <paramref name="within"/> of real time) until <paramref name="done"/> holds; returns the last status.</summary>
    public static async Task<DeploymentStatus> UntilAsync(IDeploymentGrain grain, Func<DeploymentStatus, bool> done, TimeSpan within)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        var status = await grain.GetStatusAsync() ?? throw new InvalidOperationException("the deployment does not exist");
        while (!done(status) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(50);
            status = await grain.GetStatusAsync() ?? throw new InvalidOperationException("the deployment does not exist");
        }

        return status;
    }

    public static async Task<DeploymentStatus> DeployReadyAsync(IDeploymentGrain grain, DeploymentSpec spec)
    {
        var deployed = await grain.DeployAsync(spec);
        Assert.NotEqual(DeploymentState.Failed, deployed.State);
        var status = await UntilAsync(grain, s => s.State is DeploymentState.Ready or DeploymentState.Failed, TimeSpan.FromSeconds(8));
        Assert.True(status.State == DeploymentState.Ready, status.Reason);
        return status;
    }

    public static async Task<RankStatus[]> RanksAsync(IGrainFactory grains, DeploymentLayout layout) =>
        await Task.WhenAll(Enumerable.Range(0, layout.WorldSize).Select(r => grains.GetGrain<IRankGrain>(layout.RankKey(r)).GetStatusAsync()));
}
