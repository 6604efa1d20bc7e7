using Hunyuan.Cli.Commands.Bench;
using Hunyuan.Engine.DataPlane;
using Microsoft.Extensions.Time.Testing;

namespace Hunyuan.Cli.Tests.Commands.Bench;

public sealed class DecodeStepLatencyTests
{
    [Fact]
    public async Task BothSidesAreWarmedUpThenTimedInAlternationWithOnlyTheTimedClusterCallsFlagged()
    {
        var clock = new FakeTimeProvider();
        var calls = new List<string>();
        await DecodeStepLatency.InterleavedAsync(
            (t, measured) => Generate(clock, calls, $"c{t}{(measured ? "" : "w")}", 12, t),
            t => Generate(clock, calls, $"s{t}", 9, t),
            steps: 4,
            repeat: 3,
            clock);

        Assert.Equal(
            ["c5w", "s5", "c5w", "s5", "c1", "c5", "s1", "s5", "s1", "s5", "c1", "c5", "c1", "c5", "s1", "s5"],
            calls);
    }

    [Fact]
    public async Task ASteadyMachineGivesEachSidesPerStepTimeWithPrefillCancelled()
    {
        var clock = new FakeTimeProvider();
        var latency = await DecodeStepLatency.InterleavedAsync(
            (t, _) => Generate(clock, [], "c", 12, t),
            t => Generate(clock, [], "s", 9, t),
            steps: 8,
            repeat: 5,
            clock);

        Assert.Equal(12, latency.ClusterMs, 9);
        Assert.Equal(9, latency.SingleMs, 9);
        Assert.Equal(3, latency.OverheadMs, 9);
        Assert.All(latency.OverheadRuns, d => Assert.Equal(3, d, 9));
        Assert.Equal(12.0 / 9, latency.Ratio, 9);
    }

    [Fact]
    public void TheOverheadIsTheMedianOfThePerRunDifferencesNotTheDifferenceOfTheMedians()
    {
        // A slow spell hits the second pair: its two runs are both slow, and only their difference counts.
        var latency = new PairedStepLatency([12, 30, 13], [9, 28, 9]);

        Assert.Equal(13, latency.ClusterMs);
        Assert.Equal(9, latency.SingleMs);
        Assert.Equal([3, 2, 4], latency.OverheadRuns);
        Assert.Equal(3, latency.OverheadMs);
    }

    [Fact]
    public void TheSplitPairsEachShortRunWithTheLongRunAfterIt()
    {
        // (steps, step seconds, rank seconds) of a 1-token and a 5-token run, twice: 4 decode steps each time.
        DataPlaneTimings[] calls =
        [
            new(1, 0.050, 0.040), new(5, 0.098, 0.080),
            new(1, 0.052, 0.040), new(5, 0.112, 0.088),
        ];

        var (ranksMs, dataPlaneMs) = DecodeStepLatency.Split(calls, 4);

        // Per run: ranks (0.080 - 0.040) / 4 = 10 ms and (0.088 - 0.040) / 4 = 12 ms; the rest 2 ms and 3 ms.
        Assert.Equal(11, ranksMs, 9);
        Assert.Equal(2.5, dataPlaneMs, 9);
    }

    // A generation that costs 5 ms of prefill plus perStepMs for each token after the first, on the fake clock.
    private static Task Generate(FakeTimeProvider clock, List<string> calls, string name, double perStepMs, int tokens)
    {
        calls.Add(name);
        clock.Advance(TimeSpan.FromMilliseconds(5 + (perStepMs * (tokens - 1))));
        return Task.CompletedTask;
    }
}
