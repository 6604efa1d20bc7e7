using Hunyuan.Serving.Dashboard;

namespace Hunyuan.Serving.Tests.Dashboard;

public sealed class LiveRatesTests
{
    [Fact]
    public void PercentilesAreNearestRankAndAbsentWithoutObservations()
    {
        Assert.Null(LiveRates.Percentile([], 0.5));
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5, LiveRates.Percentile(sorted, 0.50));
        Assert.Equal(10, LiveRates.Percentile(sorted, 0.99));
        Assert.Equal(1, LiveRates.Percentile(sorted, 0.0));
        Assert.Equal(7, LiveRates.Percentile([7], 0.99));
    }
}
