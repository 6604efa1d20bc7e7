using Hunyuan.Cli.Commands.Bench;

namespace Hunyuan.Cli.Tests.Commands.Bench;

public sealed class MedianIntervalTests
{
    [Fact]
    public void FiveValuesAreTooFewForA95PercentInterval()
    {
        // Even min to max leaves the median out with probability 2 / 32 = 6.25%.
        Assert.Null(MedianInterval.Of([1, 2, 3, 4, 5]));
    }

    [Fact]
    public void SevenValuesGiveTheirRangeAtAbout98Percent()
    {
        var interval = MedianInterval.Of([4, -6, 18, 1, 2, 0, 3]);

        Assert.NotNull(interval);
        Assert.Equal(-6, interval.Value.Low);
        Assert.Equal(18, interval.Value.High);
        Assert.Equal(1 - (2.0 / 128), interval.Value.Confidence, 12);
    }

    [Fact]
    public void FifteenValuesDropTheThreeSmallestAndLargest()
    {
        // P(X <= 3) for X ~ Bin(15, 1/2) is 576 / 32768, twice that is 3.5%: the 4th smallest and 4th largest.
        double[] values = [.. Enumerable.Range(1, 15).Select(i => (double)(i * 7 % 15))];
        var interval = MedianInterval.Of(values);

        Assert.NotNull(interval);
        Assert.Equal(3, interval.Value.Low);
        Assert.Equal(11, interval.Value.High);
        Assert.Equal(1 - (2 * 576.0 / 32768), interval.Value.Confidence, 12);
    }

    [Fact]
    public void AStallInOneRunDoesNotWidenALargeSamplesInterval()
    {
        double[] values = [.. Enumerable.Repeat(1.0, 20), 1000];
        var interval = MedianInterval.Of(values);

        Assert.NotNull(interval);
        Assert.Equal(1, interval.Value.Low);
        Assert.Equal(1, interval.Value.High);
        Assert.True(interval.Value.Confidence >= 0.95);
    }

    [Fact]
    public void ALowerLevelGivesANarrowerInterval()
    {
        double[] values = [.. Enumerable.Range(0, 9).Select(i => (double)i)];

        Assert.Equal(new MedianInterval(1, 7, 1 - (2 * 10.0 / 512)), MedianInterval.Of(values));
        var eighty = MedianInterval.Of(values, 0.8);
        Assert.NotNull(eighty);
        Assert.Equal((2.0, 6.0), (eighty.Value.Low, eighty.Value.High));
    }
}
