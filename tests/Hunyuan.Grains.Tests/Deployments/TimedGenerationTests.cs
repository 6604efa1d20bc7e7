using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>
/// `bench cluster`'s source: a generation through the head's driver with its steps' cost. With the two stages on the
/// two silos nothing overlaps, so the ranks' own work on the critical path can never exceed the steps' whole time.
/// </summary>
[Collection(SharedTwoNodeCluster.Name)]
public sealed class TimedGenerationTests(TwoNodeCluster cluster)
{
    [Fact]
    public async Task ATimedGenerationGivesTheReferenceIdsAndTheRanksWorkWithinEachStepsTime()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("timed");
        var status = await Supervised.DeployReadyAsync(grain, Supervised.Spec("timed") with { Tp = 1, Pp = 2 });
        Assert.Equal(2, status.Ranks.Select(r => r.Node).Distinct().Count());
        using var golden = new Golden(Fixtures.Path("tiny-moe"));

        var timed = await grain.GenerateTimedAsync(golden.InputIds, golden.GreedyIds.Length);

        Assert.Equal(golden.GreedyIds, timed.Ids);
        Assert.Equal(golden.GreedyIds.Length, timed.Steps);   // the prefill, then one step per further token
        Assert.True(timed.RankSeconds > 0, $"ranks reported {timed.RankSeconds} s");
        Assert.True(timed.RankSeconds <= timed.StepSeconds, $"ranks {timed.RankSeconds} s within steps of {timed.StepSeconds} s");

        // Single-rank stages have no tensor-parallel collectives to report.
        foreach (var r in status.Ranks)
        {
            Assert.Null((await cluster.Grains.GetGrain<IRankGrain>(RankKeys.Format("timed", r.Rank, r.Node)).GetStatusAsync()).Collectives);
        }

        await grain.RemoveAsync();
    }
}
