using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Cluster;

/// <summary>`hyc agent --tls-dir`: a directory that is not there, or holds no certificate of this node, stops the agent before it listens, naming what is missing.</summary>
public sealed class AgentTlsArgumentsTests
{
    [Fact]
    public async Task ANonexistentTlsDirectoryIsABadArgument()
    {
        var r = await HycRunner.InProcess("agent", "--node", "n0", "--tls-dir", "/nonexistent/hyc-tls-4711");

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--tls-dir /nonexistent/hyc-tls-4711: no such directory", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATlsDirectoryWithoutTheNodesCertificateIsAFileError()
    {
        using var dir = new TempDirectory();

        var r = await HycRunner.InProcess("agent", "--node", "n0", "--tls-dir", dir.Path);

        Assert.True(r.ExitCode == 5, r.ToString());
        Assert.Contains("is missing", r.Stderr, StringComparison.Ordinal);
    }
}
