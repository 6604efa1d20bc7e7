using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Remote;

/// <summary>A detached process with pid and spec files, on this machine through a local shell with a home of the test's own.</summary>
[Trait("Category", "EndToEnd")]
public sealed class RemoteProcessTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "hyc-remote-process-" + Guid.NewGuid().ToString("N"));

    public RemoteProcessTests() => Directory.CreateDirectory(_home);

    [Fact]
    public async Task StartsDetachedReportsItsSpecAndStopsIt()
    {
        var shell = new LocalShell(new Dictionary<string, string> { ["HOME"] = _home });
        var marker = "hyc-test-sleeper-" + Guid.NewGuid().ToString("N")[..8];
        var process = new RemoteProcess(shell, "t", "sleeper", marker);
        Assert.False((await process.StatusAsync()).Running);

        var pid = await process.StartAsync($"sh -c 'sleep 120' {marker}", "spec-1");
        var state = await process.StatusAsync();
        Assert.Equal(new RemoteProcessState(true, pid, "spec-1"), state);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_home, ".hyc", "clusters", "t", "sleeper.pid")));

        Assert.True(await process.StopAsync(TimeSpan.FromSeconds(5)));
        Assert.False((await process.StatusAsync()).Running);
        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(marker, StringComparison.Ordinal));

        // Its child (the sleep) went with it: the whole process group is signalled.
        var children = Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Count(d => File.Exists(Path.Combine(d, "stat")) && TryRead(Path.Combine(d, "stat")).Split(' ').ElementAtOrDefault(4) == pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, children);
        Assert.False(await process.StopAsync(TimeSpan.FromSeconds(1)), "stopping a stopped process is a no-op");
    }

    [Fact]
    public async Task APidFileOfSomeOtherProcessIsNotTakenForIt()
    {
        var shell = new LocalShell(new Dictionary<string, string> { ["HOME"] = _home });
        var dir = Path.Combine(_home, ".hyc", "clusters", "t");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "agent.pid"), Environment.ProcessId + "\n");
        Assert.False((await new RemoteProcess(shell, "t", "agent", "hyc.dll agent").StatusAsync()).Running);
    }

    [Fact]
    public async Task AProcessThatDiesAtOnceIsReportedWithItsLog()
    {
        var shell = new LocalShell(new Dictionary<string, string> { ["HOME"] = _home });
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new RemoteProcess(shell, "t", "broken", "never-matches").StartAsync("sh -c 'echo no such flag >&2; exit 3'", "s"));
        Assert.Contains("exited right after starting", e.Message, StringComparison.Ordinal);
        Assert.Contains("no such flag", e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
