using System.Text.Json;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Bench;

public sealed class BenchDataPlaneCommandTests
{
    [Fact]
    public async Task ReportsTheStageLinkAndWhetherTheGreedyIdsMatchTheSingleProcessReference()
    {
        var r = await HycRunner.InProcess("bench", "dataplane", "--model", "tiny", "--tokens", "4", "--repeat", "1", "--dtype", "float32", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var json = r.Json();
        Assert.True(json.GetProperty("same_greedy_ids").GetBoolean());
        Assert.Equal("socket", json.GetProperty("stage_link").GetString());
        Assert.Equal(2, json.GetProperty("pp").GetInt32());
        // Present as numbers; their values are differences of timed runs (4 tokens here), not checked: a busy moment can
        // make one negative. same_greedy_ids above covers that the stages on one thread ran and agreed.
        Assert.Equal(JsonValueKind.Number, json.GetProperty("stages_one_thread_ms_per_step").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("split_overhead_ms_per_step").ValueKind);
        Assert.False(json.TryGetProperty("overhead_ms_interval", out _));
        Assert.Contains("too few runs for a 95% interval", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SixRunsOrMoreReportAnIntervalForTheOverheadThatHoldsItsMedian()
    {
        var r = await HycRunner.InProcess("bench", "dataplane", "--model", "tiny", "--tokens", "2", "--repeat", "6", "--dtype", "float32", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var json = r.Json();
        var runs = json.GetProperty("overhead_ms_runs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var interval = json.GetProperty("overhead_ms_interval");

        // Six runs: only min to max reaches 95% (1 - 2/64).
        Assert.Equal(6, runs.Length);
        Assert.Equal(runs.Min(), interval.GetProperty("low").GetDouble());
        Assert.Equal(runs.Max(), interval.GetProperty("high").GetDouble());
        Assert.Equal(0.9688, interval.GetProperty("confidence").GetDouble());
        Assert.InRange(json.GetProperty("overhead_ms_per_step").GetDouble(), runs.Min(), runs.Max());
        Assert.Contains("96.9% interval", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADenseModelsCollectivesAreLabelledDenseNotByAnExpertPlacement()
    {
        using var dir = new TempDirectory();
        RandomCheckpointWriter.Write(dir.Path, RandomModelOptions.Tiny with { Experts = 1, DType = "float32" });

        var r = await HycRunner.InProcess(
            "bench", "dataplane", "--model", dir.Path, "--tp", "2", "--pp", "1", "--tp-across-nodes", "--tokens", "2", "--repeat", "1", "--dtype", "float32", "--json");

        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        Assert.Equal("dense", r.Json().GetProperty("collectives").GetProperty("experts").GetString());
        Assert.Contains("collectives over TCP per step (dense model)", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheStagesOnOneThreadAreOnlyTimedForAPipelineOfSingleRankStages()
    {
        var r = await HycRunner.InProcess("bench", "dataplane", "--model", "tiny", "--tp", "2", "--pp", "1", "--tokens", "2", "--repeat", "1", "--dtype", "float32", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var json = r.Json();
        Assert.True(json.GetProperty("same_greedy_ids").GetBoolean());
        Assert.False(json.TryGetProperty("stages_one_thread_ms_per_step", out _));
    }

    [Fact]
    public async Task RanksOnNodesOfTheirOwnReportTheirCollectivesByPhaseUnderTheChosenExpertPlacement()
    {
        var r = await HycRunner.InProcess(
            "bench", "dataplane", "--model", "tiny", "--tp", "2", "--pp", "1", "--tp-across-nodes", "--experts", "tp", "--tokens", "2", "--repeat", "1", "--dtype", "float32", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var json = r.Json();
        Assert.True(json.GetProperty("same_greedy_ids").GetBoolean());
        var collectives = json.GetProperty("collectives");
        Assert.Equal("tp", collectives.GetProperty("experts").GetString());
        // tiny: 4 layers, each summing after attention and after the MLP, the vocabulary-parallel embedding summed and
        // the logits gathered once a step.
        Assert.Equal(10, collectives.GetProperty("per_step").GetDouble());
        foreach (var phase in new[] { "send_ms", "wait_ms", "receive_ms", "combine_ms" })
        {
            Assert.True(collectives.GetProperty(phase).GetDouble() >= 0, phase);
        }

        Assert.Contains("collectives over TCP per step (tp experts)", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpertPlacementOtherThanEpOrTpIsRefusedBeforeLoading()
    {
        var r = await HycRunner.InProcess("bench", "dataplane", "--model", "tiny", "--tp", "2", "--experts", "half");
        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains("--experts: 'half' is not ep or tp", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nccl", "--device cuda")]
    [InlineData("nvlink", "socket or nccl")]
    public async Task AStageLinkThisHostCannotRunIsRefusedBeforeLoading(string link, string named)
    {
        var r = await HycRunner.InProcess("bench", "dataplane", "--model", "tiny", "--stage-link", link);
        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains(named, r.Stderr, StringComparison.Ordinal);
    }
}
