using Hunyuan.Cli.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Bench;

public sealed class BenchPrefixCommandTests
{
    [Fact]
    public async Task ReportsColdAndCachedTimesAndTheCachedTokensTheEngineFound()
    {
        var r = await HycRunner.InProcess("bench", "prefix", "--model", "tiny", "--prefix", "64", "--suffix", "4", "--rounds", "1", "--dtype", "float32", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var json = r.Json();
        Assert.Equal(64, json.GetProperty("prefix_tokens").GetInt32());
        Assert.Equal(64, json.GetProperty("cached_tokens").GetInt32());   // 68 prompt tokens: 4 full blocks of 16 cached
        Assert.True(json.GetProperty("cold_ttft_ms").GetDouble() > 0);
        Assert.True(json.GetProperty("cached_ttft_ms").GetDouble() > 0);
        Assert.Equal(json.GetProperty("cold_ttft_ms").GetDouble() / json.GetProperty("cached_ttft_ms").GetDouble(), json.GetProperty("speedup").GetDouble(), tolerance: 0.01);
        Assert.Contains("cached prefix", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZeroRoundsAreRefused()
    {
        var r = await HycRunner.InProcess("bench", "prefix", "--model", "tiny", "--rounds", "0");
        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains("--rounds", r.Stderr, StringComparison.Ordinal);
    }
}
