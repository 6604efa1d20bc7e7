using Hunyuan.Cli.Startup;
using Hunyuan.Cli.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Startup;

public sealed class JemallocPreloadTests
{
    private const string Debian = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";

    [Theory]
    [InlineData("agent")]
    [InlineData("serve")]
    [InlineData("bench")]
    [InlineData("model")]
    public void AComputeCommandOnAHostWithJemallocIsReexecutedWithIt(string command)
    {
        Assert.Equal(Debian, Decide([command, "x"], [], [Debian], out var error));
        Assert.Null(error);
    }

    [Fact]
    public void TheFirstCandidatePresentIsTaken()
    {
        Assert.Equal("/usr/lib64/libjemalloc.so.2", Decide(["agent"], [], ["/usr/lib64/libjemalloc.so.2", "/usr/local/lib/libjemalloc.so.2"], out _));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("deploy")]
    [InlineData("up")]
    public void ControlCommandsRunAsTheyAre(string command) => Assert.Null(Decide([command], [], [Debian], out _));

    [Fact]
    public void NothingIsDoneWithoutArgumentsOrWithoutTheLibrary()
    {
        Assert.Null(Decide([], [], [Debian], out _));
        Assert.Null(Decide(["agent"], [], [], out _));
    }

    [Fact]
    public void SystemKeepsGlibcsAllocator() => Assert.Null(Decide(["agent"], new() { [JemallocPreload.ModeVariable] = "system" }, [Debian], out _));

    [Fact]
    public void AReexecutedProcessNeverReexecutesAgain() => Assert.Null(Decide(["agent"], new() { [JemallocPreload.MarkerVariable] = "1" }, [Debian], out _));

    [Fact]
    public void AJemallocAlreadyPreloadedIsKept() => Assert.Null(Decide(["agent"], new() { ["LD_PRELOAD"] = "/opt/lib/libjemalloc.so.2" }, [Debian], out _));

    [Fact]
    public void ABadModeIsRefusedByName()
    {
        Assert.Null(Decide(["agent"], new() { [JemallocPreload.ModeVariable] = "tcmalloc" }, [Debian], out var error));
        Assert.Contains("HYC_MALLOC='tcmalloc'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("/opt/libmine.so", "/opt/libmine.so")]
    public void TheReexecutedProcessPutsLdPreloadBackForWhatItStarts(string original, string? restored)
    {
        var environment = new Dictionary<string, string?> { ["LD_PRELOAD"] = Debian + ":" + original, [JemallocPreload.MarkerVariable] = original };

        JemallocPreload.RestoreEnvironment(name => environment.GetValueOrDefault(name), (name, value) => environment[name] = value);

        Assert.Equal(restored, environment["LD_PRELOAD"]);
        Assert.Null(environment[JemallocPreload.MarkerVariable]);
    }

    [Fact]
    public void AProcessThatWasNotReexecutedKeepsItsEnvironment()
    {
        var environment = new Dictionary<string, string?> { ["LD_PRELOAD"] = "/opt/libmine.so" };

        JemallocPreload.RestoreEnvironment(name => environment.GetValueOrDefault(name), (name, value) => environment[name] = value);

        Assert.Equal("/opt/libmine.so", environment["LD_PRELOAD"]);
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task ARealHycProcessRunsOnJemallocWhenTheHostHasItAndOnGlibcWhenAskedTo()
    {
        var expected = JemallocPreload.Candidates.Any(File.Exists) ? "jemalloc" : "system";
        var timeout = TimeSpan.FromMinutes(2);

        var byDefault = await HycRunner.AsProcess(new Dictionary<string, string>(), timeout, "bench", "ops", "--model", "tiny", "--reps", "5", "--json");
        var system = await HycRunner.AsProcess(new Dictionary<string, string> { [JemallocPreload.ModeVariable] = "system" }, timeout, "bench", "ops", "--model", "tiny", "--reps", "5", "--json");

        Assert.True(byDefault.ExitCode == ExitCodes.Success, byDefault.ToString());
        Assert.Equal(expected, byDefault.Json().GetProperty("allocator").GetString());
        Assert.True(system.ExitCode == ExitCodes.Success, system.ToString());
        Assert.Equal("system", system.Json().GetProperty("allocator").GetString());
    }

    private static string? Decide(string[] args, Dictionary<string, string> environment, string[] present, out string? error) =>
        JemallocPreload.Decide(args, name => environment.GetValueOrDefault(name), present.Contains, out error);
}
