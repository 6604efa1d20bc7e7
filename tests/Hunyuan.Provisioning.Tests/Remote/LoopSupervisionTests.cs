using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Remote;

/// <summary>
/// The restart loop with real processes on this machine, through a local shell with a home of the test's own. Every
/// process a test starts carries its marker, and Dispose kills whatever still does, whether the test passed or not.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class LoopSupervisionTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly string _home = Path.Combine(Path.GetTempPath(), "hyc-loop-" + Guid.NewGuid().ToString("N"));

    private readonly string _marker = "hyc-test-supervised-" + Guid.NewGuid().ToString("N")[..8];

    private readonly LocalShell _shell;

    public LoopSupervisionTests()
    {
        Directory.CreateDirectory(_home);
        _shell = new LocalShell(new Dictionary<string, string> { ["HOME"] = _home, ["HYC_HOME"] = Path.Combine(_home, ".hyc") });
    }

    private string Log(string name) => Path.Combine(_home, ".hyc", "clusters", "t", "logs", name + ".log");

    [Fact]
    public async Task AKilledChildIsRestartedAndTheLogNamesTheSignal()
    {
        var process = new RemoteProcess(_shell, "t", "sleeper", _marker, new LoopSupervision(_shell));
        var pid = await process.StartAsync($"sh -c 'exec sleep 300' {_marker}", "spec-1");
        var first = await process.StatusAsync();
        Assert.True(first.Running);
        Assert.Equal(pid, first.Pid);
        Assert.NotEqual(0, first.ChildPid);
        Assert.NotEqual(pid, first.ChildPid);

        // The marker check works on the loop itself: its cmdline carries the command it runs.
        Assert.Contains(_marker, File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '), StringComparison.Ordinal);

        Assert.True((await _shell.RunAsync($"kill -9 {first.ChildPid}")).Ok);
        RemoteProcessState? second = null;
        Assert.True(await ProcTable.WaitUntil(async () => (second = await process.StatusAsync()).ChildPid is not 0 and var c && c != first.ChildPid, Bound), "no restart within the bound");

        Assert.Equal(new RemoteProcessState(true, pid, "spec-1"), second);
        Assert.True(ProcTable.Alive(second!.ChildPid));
        Assert.False(ProcTable.Alive(first.ChildPid));
        var line = Assert.Single(File.ReadAllLines(Log("sleeper")), l => l.StartsWith("hyc supervisor ", StringComparison.Ordinal));
        Assert.Matches(@"^hyc supervisor \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: ended with signal KILL \(9\) after \d+s; restarting in 1s$", line);

        Assert.True(await process.StopAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(ProcTable.InGroup(pid));
        Assert.Empty(ProcTable.WithCmdline(_marker));
        Assert.False((await process.StatusAsync()).Running);
        Assert.False(File.Exists(Path.Combine(_home, ".hyc", "clusters", "t", "sleeper.child")));
    }

    [Fact]
    public async Task ACommandThatKeepsFailingIsRestartedWithADoublingBackoff()
    {
        var supervision = new LoopSupervision(_shell);
        var process = new SupervisedProcess("t", "failing", _marker);
        var pid = await supervision.StartAsync(process, $"sh -c 'echo attempt; exit 3' {_marker}", "s");
        try
        {
            string[] Lines() => File.Exists(Log("failing")) ? File.ReadAllLines(Log("failing")) : [];
            Assert.True(await ProcTable.WaitUntil(() => Lines().Count(l => l.StartsWith("hyc supervisor ", StringComparison.Ordinal)) >= 2, Bound), string.Join('\n', Lines()));

            var restarts = Lines().Where(l => l.StartsWith("hyc supervisor ", StringComparison.Ordinal)).Take(2).ToList();
            // "after Ns" counts whole clock seconds (date +%s), so a run of a few milliseconds can read 0 s or 1 s.
            Assert.Matches("ended with exit code 3 after [01]s; restarting in 1s$", restarts[0]);
            Assert.Matches("ended with exit code 3 after [01]s; restarting in 2s$", restarts[1]);
            Assert.Equal(2, Lines().Count(l => l == "attempt"));
        }
        finally
        {
            await supervision.StopAsync(process, pid, TimeSpan.FromSeconds(2));
        }

        Assert.Empty(ProcTable.InGroup(pid));
    }

    [Fact]
    public async Task TermToTheLoopAloneStopsTheChildWithoutARestart()
    {
        var process = new RemoteProcess(_shell, "t", "sleeper", _marker, new LoopSupervision(_shell));
        var pid = await process.StartAsync($"sh -c 'exec sleep 300' {_marker}", "s");
        var child = (await process.StatusAsync()).ChildPid;

        Assert.True((await _shell.RunAsync($"kill -TERM {pid}")).Ok);

        Assert.True(await ProcTable.WaitUntil(() => !ProcTable.Alive(pid) && !ProcTable.Alive(child), Bound), "the loop or its child outlived TERM");
        Assert.Empty(ProcTable.WithCmdline(_marker));
        Assert.DoesNotContain(File.ReadAllLines(Log("sleeper")), l => l.StartsWith("hyc supervisor ", StringComparison.Ordinal));
        Assert.False((await process.StatusAsync()).Running);
    }

    [Fact]
    public async Task WhatAKilledChildLeftBehindIsCleanedUpBeforeTheRestart()
    {
        var process = new RemoteProcess(_shell, "t", "parent", _marker, new LoopSupervision(_shell));
        var pid = await process.StartAsync($"sh -c 'sleep 300 & wait' {_marker}", "s");
        var child = (await process.StatusAsync()).ChildPid;
        var orphan = ProcTable.InGroup(pid).Single(p => p != pid && p != child);

        Assert.True((await _shell.RunAsync($"kill -9 {child}")).Ok);

        Assert.True(await ProcTable.WaitUntil(() => !ProcTable.Alive(orphan), Bound), "the killed child's own child survived it");
        Assert.True(await process.StopAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(ProcTable.InGroup(pid));
    }

    public void Dispose()
    {
        ProcTable.KillAll(_marker);
        Directory.Delete(_home, recursive: true);
    }
}
