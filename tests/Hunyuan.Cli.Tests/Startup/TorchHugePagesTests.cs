using Hunyuan.Cli.Startup;
using Hunyuan.Cli.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Startup;

public sealed class TorchHugePagesTests
{
    private const string Madvise = "always [madvise] never\n";

    [Theory]
    [InlineData("agent")]
    [InlineData("serve")]
    [InlineData("bench")]
    [InlineData("model")]
    public void AComputeCommandTurnsThemOnWhereTheKernelHasThem(string command) =>
        Assert.True(TorchHugePages.ShouldEnable([command], _ => null, Madvise));

    [Fact]
    public void AKernelThatAlwaysUsesThemCountsToo() => Assert.True(TorchHugePages.ShouldEnable(["agent"], _ => null, "[always] madvise never\n"));

    [Theory]
    [InlineData("always madvise [never]\n")]
    [InlineData(null)]
    [InlineData("")]
    public void AKernelWithoutThemOrWithThemOffGetsNothing(string? kernelSetting) =>
        Assert.False(TorchHugePages.ShouldEnable(["agent"], _ => null, kernelSetting));

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public void TheOperatorsOwnValueIsKept(string value) =>
        Assert.False(TorchHugePages.ShouldEnable(["agent"], name => name == TorchHugePages.Variable ? value : null, Madvise));

    [Theory]
    [InlineData("status")]
    [InlineData("up")]
    public void ControlCommandsAndNoCommandAreLeftAlone(string command)
    {
        Assert.False(TorchHugePages.ShouldEnable([command], _ => null, Madvise));
        Assert.False(TorchHugePages.ShouldEnable([], _ => null, Madvise));
    }

    [Fact]
    public void TheHugePageFigureIsReadFromTheRollup()
    {
        string[] rollup = ["00400000-7ffd0000 ---p 00000000 00:00 0 [rollup]", "Rss:             812345 kB", "AnonHugePages:    708608 kB", "Shared_Hugetlb:        0 kB"];

        Assert.Equal(708_608L * 1024, TorchHugePages.ParseAnonHugePageBytes(rollup));
        Assert.Equal(0, TorchHugePages.ParseAnonHugePageBytes(["Rss: 1 kB"]));
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task ARealHycProcessPutsItsWeightsOnHugePagesUnlessTheOperatorSaysNot()
    {
        var kernelAllows = TorchHugePages.ShouldEnable(["bench"], _ => null, TorchHugePages.ReadKernelSetting());
        var timeout = TimeSpan.FromMinutes(3);
        string[] bench = ["bench", "ops", "--model", "mini", "--reps", "5", "--json"];

        var byDefault = await HycRunner.AsProcess(new Dictionary<string, string>(), timeout, bench);
        var off = await HycRunner.AsProcess(new Dictionary<string, string> { [TorchHugePages.Variable] = "0" }, timeout, bench);

        Assert.True(byDefault.ExitCode == ExitCodes.Success, byDefault.ToString());
        Assert.True(off.ExitCode == ExitCodes.Success, off.ToString());
        Assert.Equal(kernelAllows ? "on" : "off", byDefault.Json().GetProperty("huge_pages").GetString());
        Assert.Equal("off", off.Json().GetProperty("huge_pages").GetString());
        if (kernelAllows)
        {
            // The mini model's stacked expert weights are blocks of tens of MiB: on, some of them sit on 2 MiB pages.
            Assert.True(byDefault.Json().GetProperty("anon_huge_page_bytes").GetInt64() >= 2 << 20, byDefault.ToString());
        }
    }
}
