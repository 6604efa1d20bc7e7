using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Model;

public sealed class DeviceOptionTests
{
    [Fact]
    public async Task CudaOnTheCpuBuildIsOneLineAndExit2()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            return;
        }

        var r = await HycRunner.InProcess("model", "run", Fixtures.Path("tiny-moe"), "--ids", "1,2", "--device", "cuda");
        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains("--device cuda: this hyc's libtorch has no CUDA (it is the CPU build): build with -p:TorchBackend=cuda or point HYC_LIBTORCH_DIR at a CUDA libtorch 2.10", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(r.Stdout);
    }

    [Theory]
    [InlineData("model", "run", "gpu0")]
    [InlineData("bench", "decode", "cuda:x")]
    public async Task ABadDeviceIsNamed(string group, string command, string device)
    {
        var args = group == "model"
            ? new[] { group, command, Fixtures.Path("tiny-moe"), "--ids", "1", "--device", device }
            : new[] { group, command, "--model", Fixtures.Path("tiny-moe"), "--device", device };
        var r = await HycRunner.InProcess(args);
        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains($"--device '{device}' is not a device: use cpu, cuda or cuda:N", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CpuIsTheDefaultAndExplicitCpuRuns()
    {
        using var golden = new Golden(Fixtures.Path("tiny-moe"));
        var r = await HycRunner.InProcess("model", "run", Fixtures.Path("tiny-moe"), "--ids", string.Join(",", golden.InputIds),
            "--generate", "4", "--dtype", "float32", "--device", "cpu", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        Assert.Equal(golden.GreedyIds.Take(4), r.Json().GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt64()));
    }
}
