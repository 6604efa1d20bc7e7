using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Serve;

/// <summary>`serve` refuses an unsafe or impossible endpoint before loading anything, naming why (exit 2).</summary>
public sealed class ServeArgumentsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task ANonLoopbackAddressWithoutAKeyIsRefused()
    {
        var r = await HycRunner.InProcess("serve", _dir.Path, "--host", "10.1.2.3");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--host 10.1.2.3 is not a loopback address", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("API key", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpsWithoutACertificateIsRefused()
    {
        var r = await HycRunner.InProcess("serve", _dir.Path, "--https");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--tls-cert", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConcurrencyLimitBelowOneIsRefused()
    {
        var r = await HycRunner.InProcess("serve", _dir.Path, "--max-concurrent-requests", "0");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("concurrent requests", r.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
