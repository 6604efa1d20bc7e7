using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Local;

/// <summary>`up` and `down` refuse what they cannot do before touching anything, naming the reason.</summary>
public sealed class UpDownArgumentsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task LocalAndAHostListTogetherAreRefused()
    {
        var r = await HycRunner.InProcess("up", "--local", _dir.File("hosts.yaml"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("either --local or a host list", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployWithAHostListIsRefusedWithTheCommandToRunInstead()
    {
        var r = await HycRunner.InProcess("up", _dir.File("hosts.yaml"), "--deploy", "tiny");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("hyc deploy tiny --cluster NAME", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadHostListNamesTheLineAndKeyForUpAndDown()
    {
        var hosts = _dir.File("hosts.yaml");
        File.WriteAllText(hosts, "cluster: c\nssh:\n  identity_file: k\nruntime:\n  kind: podman\nhosts:\n  - address: 10.0.0.1\n");
        foreach (var command in new[] { "up", "down" })
        {
            var r = await HycRunner.InProcess(command, hosts);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains($"{hosts}:5: 'runtime.kind'", r.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DownNeedsAHostListOrLocal()
    {
        var r = await HycRunner.InProcess("down");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("hyc down hosts.yaml", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneUpOrDownOfAClusterAtATime()
    {
        var hosts = _dir.File("hosts.yaml");
        File.WriteAllText(hosts, "cluster: busy\nssh:\n  identity_file: k\nruntime:\n  kind: process\nhosts:\n  - address: 10.0.0.1\n");
        var home = _dir.File("home");
        var lockFile = Path.Combine(home, "clusters", "busy", ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);

        // What a running `up` holds; the OS lock (flock) is seen by the other process.
        using (new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            foreach (var command in new[] { "up", "down" })
            {
                var r = await HycRunner.AsProcess(new Dictionary<string, string> { ["HYC_HOME"] = home }, TimeSpan.FromMinutes(1), command, hosts);
                Assert.True(r.ExitCode == 2, r.ToString());
                Assert.Contains("another `hyc up` or `hyc down` of cluster 'busy' is running", r.Stderr, StringComparison.Ordinal);
            }
        }
    }

    public void Dispose() => _dir.Dispose();
}
