using Hunyuan.Provisioning.Clusters;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Clusters;

/// <summary>The per-host lock of `up` and `down`, with the real flock(1) in a home of the test's own.</summary>
public sealed class HostLockTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "hyc-lock-" + Guid.NewGuid().ToString("N"));

    public HostLockTests() => Directory.CreateDirectory(_home);

    private LocalShell Shell => new(new Dictionary<string, string> { ["HOME"] = _home });

    [Fact]
    public async Task ASecondRunWaitsABoundedTimeThenFailsNamingTheHostAndTheHolderAndGetsTheLockOnceItIsFree()
    {
        var first = await HostLock.AcquireAsync(Shell, "prod", "hyc up by alice@ops1 (pid 42)", TimeSpan.FromSeconds(5));

        var waited = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ProvisionException>(() => HostLock.AcquireAsync(Shell, "prod", "hyc down by bob@ops2 (pid 7)", TimeSpan.FromSeconds(1)));
        Assert.InRange(waited.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(20));
        Assert.StartsWith("localhost: another `hyc up` or `hyc down` of cluster 'prod' holds its lock on this host (hyc up by alice@ops1 (pid 42))", e.Message, StringComparison.Ordinal);

        // Another cluster on the same host is not held up.
        await using (await HostLock.AcquireAsync(Shell, "staging", "hyc up by carol", TimeSpan.FromSeconds(1)))
        {
        }

        await first.DisposeAsync();
        await using var second = await HostLock.AcquireAsync(Shell, "prod", "hyc down by bob@ops2 (pid 7)", TimeSpan.FromSeconds(5));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_home, ".hyc", "clusters", "prod")));
    }

    [Fact]
    public async Task AHolderWhoseConnectionEndsReleasesTheLock()
    {
        // The holder reads its stdin to the end: a run that dies (its connection, here its pipe, closing) lets go.
        var script = HostLock.Script("prod", TimeSpan.FromSeconds(1), "a run that crashes");
        var holder = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            Environment = { ["HOME"] = _home },
        })!;
        Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());
        await Assert.ThrowsAsync<ProvisionException>(() => HostLock.AcquireAsync(Shell, "prod", "next", TimeSpan.Zero));

        holder.StandardInput.Close();
        Assert.True(holder.WaitForExit(10_000));
        await using var next = await HostLock.AcquireAsync(Shell, "prod", "next", TimeSpan.FromSeconds(5));
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
