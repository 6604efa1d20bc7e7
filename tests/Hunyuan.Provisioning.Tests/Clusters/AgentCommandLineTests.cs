using Hunyuan.Provisioning.Agents;
using Hunyuan.Provisioning.Clusters;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Clusters;

/// <summary>How `up` starts an agent: the host list's libtorch_dir reaches it as HYC_LIBTORCH_DIR, and nothing else changes.</summary>
public sealed class AgentCommandLineTests
{
    private static ClusterProvisioner Provisioner(string runtime) => new(
        InventoryParser.Parse($"cluster: c\nssh:\n  identity_file: k\nruntime:\n{runtime}hosts:\n  - address: 10.0.0.1\n  - address: 10.0.0.2\n", "h.yaml"),
        new ProvisionOptions(), new NoConnector(), (_, _) => { });

    [Fact]
    public void TheAgentGetsTheHostListsLibTorchDir()
    {
        var line = Provisioner("  kind: process\n  libtorch_dir: /opt/libtorch/lib\n").AgentCommandLine(new HostEntry("10.0.0.2", "root", 22, null, 8, null, null, 1), "10.0.0.2", "10.0.0.1", "0123456789abcdef");

        Assert.StartsWith("env HYC_LIBTORCH_DIR=/opt/libtorch/lib env ", line, StringComparison.Ordinal);
        Assert.Contains($" \"{RemotePaths.Bundle("0123456789abcdef")}/dotnet/dotnet\" ", line, StringComparison.Ordinal);
        Assert.Contains("/app/hyc.dll\" agent --node 10.0.0.2 ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("--head", line, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutLibTorchDirTheLineIsAsBefore()
    {
        var line = Provisioner("  kind: process\n").AgentCommandLine(new HostEntry("10.0.0.1", "root", 22, null, 8, null, null, 1), "10.0.0.1", "10.0.0.1", "0123456789abcdef");

        Assert.StartsWith($"env {IcuLibraries.LibraryPathAssignment(RemotePaths.Bundle("0123456789abcdef"))} \"{RemotePaths.Bundle("0123456789abcdef")}/dotnet/dotnet\" ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("HYC_LIBTORCH_DIR", line, StringComparison.Ordinal);
        Assert.Contains("--head", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTlsTheAgentIsToldTheClustersTlsDirectoryWhichTheShellExpands()
    {
        var line = Provisioner("  kind: process\n").AgentCommandLine(new HostEntry("10.0.0.2", "root", 22, null, 8, null, null, 1), "10.0.0.2", "10.0.0.1", "0123456789abcdef", tls: true);

        Assert.EndsWith(" --tls-dir \"${HYC_HOME:-$HOME/.hyc}/clusters/c/tls\"", line, StringComparison.Ordinal);
        var expanded = await new LocalShell(new Dictionary<string, string> { ["HOME"] = "/home/u", ["HYC_HOME"] = "" }).RunAsync("echo " + line[line.IndexOf("--tls-dir", StringComparison.Ordinal)..]);
        Assert.Equal("--tls-dir /home/u/.hyc/clusters/c/tls", expanded.Stdout.Trim());
    }

    [Fact]
    public async Task TheShellSetsTheVariableForTheCommand()
    {
        // What the host's shell makes of it: `env` sets the variable for the command it runs and nothing else.
        var line = BundleCommand.Line("b", ["agent"], "/opt/libtorch/lib").Replace($"\"{RemotePaths.Bundle("b")}/dotnet/dotnet\" \"{RemotePaths.Bundle("b")}/app/hyc.dll\"", "sh -c 'echo $HYC_LIBTORCH_DIR' sh", StringComparison.Ordinal);
        var r = await new LocalShell(new Dictionary<string, string>()).RunAsync(line);
        Assert.Equal("/opt/libtorch/lib", r.Stdout.Trim());
    }

    [Theory]
    [InlineData(null, "/home/u/.hyc/agents/b/icu")]
    [InlineData("/usr/local/cuda/lib64", "/usr/local/cuda/lib64:/home/u/.hyc/agents/b/icu")]
    public async Task TheBundlesIcuGoesOnTheLibraryPathAfterTheHostsOwn(string? hostPath, string expected)
    {
        // A CUDA image's LD_LIBRARY_PATH must keep working, and a host's own ICU comes first.
        var line = BundleCommand.Line("b", ["agent"]).Replace($"\"{RemotePaths.Bundle("b")}/dotnet/dotnet\" \"{RemotePaths.Bundle("b")}/app/hyc.dll\" agent", "sh -c 'echo $LD_LIBRARY_PATH' sh", StringComparison.Ordinal);
        var env = new Dictionary<string, string> { ["HOME"] = "/home/u", ["HYC_HOME"] = "", ["LD_LIBRARY_PATH"] = hostPath ?? "" };
        var r = await new LocalShell(env).RunAsync(line);
        Assert.Equal(expected, r.Stdout.Trim());
    }

    private sealed class NoConnector : IHostConnector
    {
        public Task<HostConnection> ConnectAsync(HostEntry host, CancellationToken cancellationToken) => throw new InvalidOperationException("not connected in these tests");
    }
}
