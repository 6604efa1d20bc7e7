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
    public void OnlyMappingsFlaggedHgCountAsAdvised()
    {
        string[] smaps =
        [
            "7f0000000000-7f0002000000 rw-p 00000000 00:00 0", "Size:              32768 kB", "AnonHugePages:     30720 kB",
            "VmFlags: rd wr mr mw me ac sd hg",
            "7f0002000000-7f0002100000 rw-p 00000000 00:00 0", "Size:               1024 kB", "VmFlags: rd wr mr mw me ac sd",
            "7f0003000000-7f0003400000 rw-p 00000000 00:00 0", "Size:               4096 kB", "VmFlags: rd wr hg mr mw me ac sd",
            "7f0004000000-7f0004001000 r-xp 00000000 08:01 42 /usr/lib/libhg.so", "Size:                  4 kB", "VmFlags: rd ex mr mw me sd",
        ];

        Assert.Equal((32_768L + 4_096) * 1024, TorchHugePages.ParseAdvisedBytes(smaps));
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task ARealHycProcessAdvisesItsWeightsOntoHugePagesUnlessTheOperatorSaysNot()
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
        // Whether the kernel backs an advised block with 2 MiB pages is its choice (a block reusing pages the allocator
        // already faulted in stays on 4 KiB ones until collapsed), so what is asserted is libtorch's advice: the mini
        // model's stacked expert weights are blocks of tens of MiB.
        Assert.Equal(0, off.Json().GetProperty("huge_page_advised_bytes").GetInt64());
        if (kernelAllows)
        {
            Assert.True(byDefault.Json().GetProperty("huge_page_advised_bytes").GetInt64() >= 2 << 20, byDefault.ToString());
        }
    }
}
