using System.Globalization;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Shells;

public sealed class LocalShellTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hyc-local-shell-").FullName;

    [Fact]
    public async Task ACommandsOutputErrorAndExitCodeComeBack()
    {
        var r = await new LocalShell().RunAsync("echo out; echo err >&2; exit 3");

        Assert.Equal(new ShellResult(3, "out\n", "err\n"), r);
    }

    [Fact]
    public async Task ACommandPastItsTimeoutIsKilledAndSaysSo()
    {
        var pidFile = Path.Combine(_dir, "pid");

        var r = await new LocalShell(timeout: TimeSpan.FromMilliseconds(300)).RunAsync($"echo $$ > {pidFile}; exec sleep 60").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(124, r.ExitCode);
        Assert.Equal($"timed out: echo $$ > {pidFile}; exec sleep 60", r.Stderr);
        await GoneAsync(pidFile);
    }

    [Fact]
    public async Task CancellingARunningCommandKillsItAndEndsTheCallersWork()
    {
        var pidFile = Path.Combine(_dir, "pid");
        using var cts = new CancellationTokenSource();
        var run = new LocalShell().RunAsync($"echo $$ > {pidFile}; exec sleep 60", cts.Token);
        await UntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        await GoneAsync(pidFile);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task GoneAsync(string pidFile)
    {
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        await UntilAsync(() => !Sleeps(pid));
    }

    // A killed child that is not yet reaped has an empty command line; one already gone has no /proc entry.
    private static bool Sleeps(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("sleep", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "not within 10 s");
    }
}
