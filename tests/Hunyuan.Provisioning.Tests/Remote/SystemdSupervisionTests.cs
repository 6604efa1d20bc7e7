using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Remote;

/// <summary>The systemd path against fakes on PATH: which supervision a probe picks, and the exact commands issued.</summary>
public sealed class SystemdSupervisionTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "hyc-systemd-" + Guid.NewGuid().ToString("N"));

    private readonly string _marker = "hyc-test-unit-" + Guid.NewGuid().ToString("N")[..8];

    private readonly FakeSystemd _systemd;

    private readonly LocalShell _shell;

    public SystemdSupervisionTests()
    {
        _systemd = new FakeSystemd(Path.Combine(_home, "bin"));
        _shell = new LocalShell(_systemd.Environment(_home));
    }

    private string Dir => Path.Combine(_home, ".hyc", "clusters", "c1");

    [Fact]
    public async Task ALingeringUserManagerGetsUserUnits()
    {
        _systemd.UserManager = true;
        _systemd.Linger = true;

        var supervision = await ProcessSupervision.ForAsync(_shell);

        Assert.IsType<SystemdSupervision>(supervision);
        Assert.Same(supervision, await ProcessSupervision.ForAsync(_shell));
        Assert.Single(_systemd.Calls(), c => c == "systemctl --user show-environment");
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task NoUserManagerOrOneThatDoesNotLingerGetsTheLoop(bool userManager, bool linger)
    {
        _systemd.UserManager = userManager;
        _systemd.Linger = linger;

        Assert.IsType<LoopSupervision>(await ProcessSupervision.ForAsync(_shell));
    }

    [Fact]
    public async Task AFailedProbeGetsTheLoop()
    {
        var failing = new LocalShell(new Dictionary<string, string> { ["HOME"] = _home, ["PATH"] = "/nonexistent" });

        Assert.IsType<LoopSupervision>(await ProcessSupervision.ForAsync(failing));
        Assert.Equal(new SupervisionFacts(false, false, false, false), ProcessSupervision.ParseFacts("sh: 1: id: not found"));
    }

    [Theory]
    [InlineData(true, true, false, false, typeof(SystemdSupervision))]
    [InlineData(false, true, false, false, typeof(LoopSupervision))]
    [InlineData(false, true, true, true, typeof(SystemdSupervision))]
    [InlineData(true, false, true, false, typeof(LoopSupervision))]
    [InlineData(false, false, false, false, typeof(LoopSupervision))]
    public void RootOnSystemdGetsSystemUnitsOthersNeedALingeringUserManager(bool root, bool system, bool user, bool linger, Type expected) =>
        Assert.IsType(expected, ProcessSupervision.Choose(_shell, new SupervisionFacts(root, system, user, linger)));

    [Theory]
    [InlineData(true, "systemctl --user", "systemd-run --user")]
    [InlineData(false, "systemctl", "systemd-run")]
    public async Task StartsAsATransientUnitAsksSystemdAndStopsTheUnit(bool userUnits, string systemctl, string systemdRun)
    {
        var process = new RemoteProcess(_shell, "c1", "agent", _marker, new SystemdSupervision(_shell, userUnits));

        var pid = await process.StartAsync($"/opt/dotnet \"$HOME/app/hyc.dll\" agent {_marker}", "spec-9");
        var state = await process.StatusAsync();
        Assert.Equal("4242\n", File.ReadAllText(Path.Combine(Dir, "agent.pid")));
        Assert.Equal(["agent"], await RemoteProcess.ListAsync(_shell, "c1"));
        var startCalls = _systemd.Calls();
        _systemd.ClearCalls();
        Assert.True(await process.StopAsync(TimeSpan.FromSeconds(1)));

        Assert.Equal(FakeSystemd.MainPid, pid);
        Assert.Equal(new RemoteProcessState(true, FakeSystemd.MainPid, "spec-9") { ChildPid = FakeSystemd.MainPid }, state);
        Assert.Equal(FakeSystemd.MainPid, state.ChildPid);
        string[] expected =
        [
            $"{systemctl} reset-failed hyc-c1-agent.service",
            $"{systemdRun} --unit=hyc-c1-agent --property=Restart=always --property=RestartSec=2 --property=UMask=0077 " +
                $"--setenv=HYC_HOME={_home}/.hyc --setenv=HOME={_home} --collect --quiet /bin/sh -c {SystemdSupervision.Wrapper} hyc-unit {Dir} {Dir}/logs/agent.log /opt/dotnet {_home}/app/hyc.dll agent {_marker}",
            $"{systemctl} show -p MainPID hyc-c1-agent.service",
            $"{systemctl} show -p MainPID,ActiveState hyc-c1-agent.service", // StartAsync's check that it did not die at once
            $"{systemctl} show -p MainPID,ActiveState hyc-c1-agent.service", // StatusAsync
            $"{systemctl} show -p MainPID,ActiveState hyc-c1-agent.service", // StopAsync: is it running?
            $"{systemctl} show -p ActiveState hyc-c1-agent.service", // StopAsync: the unit, or a process from before systemd?
            $"{systemctl} stop --no-block hyc-c1-agent.service",
            $"{systemctl} show -p ActiveState hyc-c1-agent.service",
        ];
        Assert.Equal(expected, startCalls.Concat(_systemd.Calls()));
        Assert.False(File.Exists(Path.Combine(Dir, "agent.pid")));
    }

    [Fact]
    public async Task AProcessFromBeforeSystemdIsStillSeenAndStoppedWithoutSystemctlStop()
    {
        var loop = new RemoteProcess(_shell, "c1", "agent", _marker, new LoopSupervision(_shell));
        var pid = await loop.StartAsync($"sh -c 'exec sleep 300' {_marker}", "old-spec");
        var process = new RemoteProcess(_shell, "c1", "agent", _marker, new SystemdSupervision(_shell, userUnits: true));

        var state = await process.StatusAsync();
        Assert.True(await process.StopAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal(new RemoteProcessState(true, pid, "old-spec"), state);
        Assert.Empty(ProcTable.InGroup(pid));
        Assert.DoesNotContain(_systemd.Calls(), c => c.Contains(" stop", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        ProcTable.KillAll(_marker);
        Directory.Delete(_home, recursive: true);
    }
}
