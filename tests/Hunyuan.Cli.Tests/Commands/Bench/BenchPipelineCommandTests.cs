using Hunyuan.Cli.Commands.Bench;
using Hunyuan.Cli.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Bench;

public sealed class BenchPipelineCommandTests
{
    [Fact]
    public async Task ReportsEachRoundsSpeedupAndTheirMedianWithoutAnIntervalForFewRounds()
    {
        var r = await HycRunner.InProcess("bench", "pipeline", "--model", "tiny", "--streams", "2", "--tokens", "2", "--prompt", "4", "--rounds", "2", "--dtype", "float32", "--json");

        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var json = r.Json();
        Assert.Equal((1, 2, 2), (json.GetProperty("tp").GetInt32(), json.GetProperty("pp").GetInt32(), json.GetProperty("streams").GetInt32()));
        var runs = json.GetProperty("speedup_runs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(2, runs.Length);
        Assert.All(runs, x => Assert.True(x > 0));
        // The median of two, from the unrounded ratios: within a rounding step of the mean of the rounded ones.
        Assert.Equal((runs[0] + runs[1]) / 2, json.GetProperty("speedup").GetDouble(), 0.0011);
        Assert.True(json.GetProperty("serialized_tokens_per_s").GetDouble() > 0);
        Assert.False(json.TryGetProperty("speedup_interval", out _));
        Assert.Contains("too few rounds for a 95% interval", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSpeedupIsTheMedianOfTheRoundsRatiosNotTheRatioOfTheMedians()
    {
        // A slow spell hits round 2: both of its modes are slow, and only their ratio counts.
        var output = BenchPipelineOutput.Of(1, 2, 16, [100, 40, 90, 95, 105, 98], [150, 80, 120, 140, 150, 150]);

        Assert.Equal([1.5, 2.0, 1.333, 1.474, 1.429, 1.531], output.SpeedupRuns);
        Assert.Equal(1.487, output.Speedup, 3);
        Assert.Equal(96.5, output.SerializedTokensPerS);
        Assert.Equal(new MedianInterval(1.333, 2.0, 0.9688), output.SpeedupInterval);
    }

    [Fact]
    public async Task RoundsBelowOneAreRefused()
    {
        var r = await HycRunner.InProcess("bench", "pipeline", "--model", "tiny", "--rounds", "0");

        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains("--rounds must be at least 1", r.Stderr, StringComparison.Ordinal);
    }
}
