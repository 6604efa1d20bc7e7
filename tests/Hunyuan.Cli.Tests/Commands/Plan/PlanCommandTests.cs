using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Plan;

public sealed class PlanCommandTests
{
    private static readonly string Real = Fixtures.Path("hunyuan-a52b-instruct.config.json");

    [Fact]
    public async Task Fp8OnEightGpusFitsAndPrintsTheJsonKeys()
    {
        var r = await HycRunner.InProcess("plan", Real, "--variant", "fp8", "--gpus", "8", "--gpu-memory", "96GiB", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var j = r.Json();
        Assert.Equal("fp8", j.GetProperty("variant").GetString());
        Assert.Equal(8, j.GetProperty("tp").GetInt32());
        Assert.Equal(1, j.GetProperty("pp").GetInt32());
        Assert.True(j.GetProperty("fits").GetBoolean());
        Assert.Equal(389.5, Math.Round(j.GetProperty("weight_bytes_total").GetInt64() / 1e9, 1));
        Assert.True(j.GetProperty("weight_bytes_per_gpu").GetInt64() > 48e9);
        Assert.Equal(40_960, j.GetProperty("kv_bytes_per_token").GetInt64());
        Assert.True(j.GetProperty("max_kv_tokens").GetInt64() > 131_072);
        Assert.StartsWith("fits", j.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(8, j.GetProperty("ranks").GetArrayLength());
    }

    [Fact]
    public async Task Bf16OnEightGpusExitsDoesNotFit()
    {
        var r = await HycRunner.InProcess("plan", Real, "--variant", "bf16", "--gpus", "8", "--gpu-memory", "96GiB", "--json");
        Assert.Equal(ExitCodes.DoesNotFit, r.ExitCode);
        Assert.False(r.Json().GetProperty("fits").GetBoolean());
        Assert.Contains("97.2 GB of weights", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bf16OnTwoNodesFits()
    {
        var r = await HycRunner.InProcess("plan", Real, "--variant", "bf16", "--gpus", "16", "--nodes", "2", "--gpu-memory", "96GiB", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        Assert.Equal(2, r.Json().GetProperty("pp").GetInt32());
        Assert.Equal(163_840, r.Json().GetProperty("kv_bytes_per_token_seed_layout").GetInt64());
    }

    [Theory]
    [InlineData("--tp", "3", ExitCodes.InvalidLayout, "does not divide the 80 attention heads")]
    [InlineData("--variant", "fp4", ExitCodes.InvalidArguments, "--variant")]
    [InlineData("--gpu-memory", "big", ExitCodes.InvalidArguments, "--gpu-memory")]
    public async Task BadRequestsAreRefusedWithTheReason(string option, string value, int exitCode, string message)
    {
        var args = new List<string> { "plan", Real, "--gpus", "8", "--gpu-memory", "96GiB" };
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var r = await HycRunner.InProcess(args.ToArray());
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnH200sTheExpertPlacementFollowsTheEstimateAndBothFiguresArePrinted()
    {
        var r = await HycRunner.InProcess("plan", Real, "--variant", "fp8", "--gpus", "8", "--gpu-memory", "141GB", "--gpu-name", "H200", "--max-num-seqs", "1", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var j = r.Json();
        Assert.Equal("tp", j.GetProperty("expert_placement").GetString());
        Assert.Equal(4.8e12, j.GetProperty("gpu_bandwidth_bytes_per_second").GetDouble());
        Assert.InRange(j.GetProperty("tp_ms_per_token").GetDouble(), 1.1, 1.8);
        Assert.True(j.GetProperty("ep_ms_per_token").GetDouble() > 3 * j.GetProperty("tp_ms_per_token").GetDouble());
        Assert.Contains("expert placement tp", r.Stdout + r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForcedExpertsAndVirtualGpusKeepExpertParallel()
    {
        var forced = await HycRunner.InProcess("plan", Real, "--variant", "fp8", "--gpus", "8", "--gpu-memory", "141GB", "--gpu-name", "H200", "--experts", "ep", "--json");
        Assert.Equal("ep", forced.Json().GetProperty("expert_placement").GetString());
        Assert.Contains("forced", forced.Json().GetProperty("expert_placement_rule").GetString(), StringComparison.Ordinal);

        var cpu = await HycRunner.InProcess("plan", Real, "--variant", "fp8", "--gpus", "8", "--gpu-memory", "96GiB", "--json");
        Assert.Equal("ep", cpu.Json().GetProperty("expert_placement").GetString());
        Assert.True(cpu.Json().GetProperty("bandwidth_shared").GetBoolean());
    }

    [Fact]
    public async Task ABadBandwidthIsRefused()
    {
        var r = await HycRunner.InProcess("plan", Real, "--gpus", "8", "--gpu-memory", "96GiB", "--gpu-bandwidth", "fast");
        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains("--gpu-bandwidth", r.Stderr, StringComparison.Ordinal);
    }
}
