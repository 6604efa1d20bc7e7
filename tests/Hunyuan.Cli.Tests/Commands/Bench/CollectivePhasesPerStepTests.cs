using Hunyuan.Cli.Commands.Bench;
using Hunyuan.Engine.DataPlane;

namespace Hunyuan.Cli.Tests.Commands.Bench;

public sealed class CollectivePhasesPerStepTests
{
    [Fact]
    public void SumsOverRanksAndStepsBecomeMillisecondsPerRankAndStep()
    {
        // Two ranks, 10 steps, 18 collectives each per step.
        var phases = CollectivePhasesPerStep.Of(new CollectiveTimings(360, 0.040, 0.100, 0.020, 0.010), 10, 2, "tp");

        Assert.Equal(new CollectivePhasesPerStep("tp", 18, 2, 5, 1, 0.5), phases);
    }

    [Fact]
    public void NoCollectivesOrSumsThatWentBackwardsReportNothing()
    {
        Assert.Null(CollectivePhasesPerStep.Of(default, 10, 2, "ep"));

        // A rank reloaded between the readings: its sums restarted from zero, so after - before is negative.
        Assert.Null(CollectivePhasesPerStep.Of(new CollectiveTimings(-40, -0.01, -0.02, -0.001, -0.001), 10, 2, "ep"));
        Assert.Null(CollectivePhasesPerStep.Of(new CollectiveTimings(40, 0.01, -0.02, 0.001, 0.001), 10, 2, "ep"));
    }

    [Theory]
    [InlineData(true, "tp", "tp")]
    [InlineData(true, "ep", "ep")]
    [InlineData(false, "ep", "dense")]
    public void AModelWithoutExpertsIsLabelledDenseWhateverThePlacement(bool moe, string placement, string label) =>
        Assert.Equal(label, CollectivePhasesPerStep.ExpertsLabel(moe, placement));
}
