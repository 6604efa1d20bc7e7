using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Shells;
using Hunyuan.Provisioning.Ssh;
using Hunyuan.Provisioning.Tests.Ssh;
using Hunyuan.Provisioning.Tests.TestSupport;

namespace Hunyuan.Provisioning.Tests.Keys;

/// <summary>
/// The mesh installed into a home of the test's own (HOME overridden), then used by the real OpenSSH client against a
/// real sshd on a loopback port of <see cref="TestPorts"/> with strict host-key checking: the files hyc writes are the files ssh accepts.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ClusterMeshTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "hyc-home-" + Guid.NewGuid().ToString("N"));

    public ClusterMeshTests() => Directory.CreateDirectory(_home);

    [Fact]
    public async Task InstallWritesThePrivateKey0600AndASecondRunChangesNothing()
    {
        var shell = new LocalShell(new Dictionary<string, string> { ["HOME"] = _home });
        var key = ClusterKey.Generate("hyc@mesh");
        string[] known = [KnownHosts.Line("10.0.0.2", 22, "ssh-ed25519", ClusterKey.Generate("h2").PublicBlob())];

        var first = await ClusterMesh.InstallAsync(shell, "prod", key, known);
        Assert.Equal(new MeshChanges(KeyWritten: true, AuthorizedKeyAdded: true, KnownHostsAdded: 1), first);

        var keyPath = Path.Combine(_home, ClusterMesh.KeyPath("prod"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        Assert.Equal(key.Fingerprint, ClusterKey.FromOpenSsh(File.ReadAllText(keyPath)).Fingerprint);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_home, ".ssh")));

        var second = await ClusterMesh.InstallAsync(shell, "prod", key, known);
        Assert.False(second.Any, second.ToString());
        Assert.Single(File.ReadAllLines(Path.Combine(_home, ".ssh/authorized_keys")), key.AuthorizedKeysLine);
        Assert.Equal(known, File.ReadAllLines(Path.Combine(_home, ClusterMesh.KnownHostsPath("prod"))));
        Assert.False(File.Exists(Path.Combine(_home, ".ssh/known_hosts")), "the user's own known_hosts is not touched");
        Assert.False(File.Exists(keyPath + ".hyc-tmp"));

        File.Delete(keyPath);
        var repaired = await ClusterMesh.InstallAsync(shell, "prod", key, known);
        Assert.Equal(new MeshChanges(KeyWritten: true, AuthorizedKeyAdded: false, KnownHostsAdded: 0), repaired);
        Assert.Equal(key.Fingerprint, ClusterKey.FromOpenSsh(File.ReadAllText(keyPath)).Fingerprint);
    }

    [SkippableFact]
    public async Task TheOpenSshClientLogsInWithTheInstalledKeyAndKnownHostsUnderStrictChecking()
    {
        var why = LoopbackSshd.WhyNot() ?? (File.Exists("/usr/bin/ssh") ? null : "needs /usr/bin/ssh (openssh-client)");
        Skip.If(why is not null, why);
        var shell = new LocalShell(new Dictionary<string, string> { ["HOME"] = _home });
        var key = ClusterKey.Generate("hyc@mesh");
        var hostKey = ClusterKey.Generate("host");
        var port = TestPorts.One();
        await ClusterMesh.InstallAsync(shell, "prod", key, [KnownHosts.Line("127.0.0.1", port, "ssh-ed25519", hostKey.PublicBlob())]);

        using var sshd = new LoopbackSshd(port, hostKey, authorizedKeysFile: Path.Combine(_home, ".ssh/authorized_keys"));
        var (exit, output) = await Ssh(port, "echo mesh-ok");
        Assert.True(exit == 0, output);
        Assert.Equal("mesh-ok", output.Trim());

        // A host presenting another key than the one installed is refused, not trusted on first use.
        sshd.Restart(ClusterKey.Generate("impostor"));
        var (refused, why2) = await Ssh(port, "true");
        Assert.NotEqual(0, refused);
        Assert.Contains("HOST IDENTIFICATION HAS CHANGED", why2, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output)> Ssh(int port, string command)
    {
        string[] args =
        [
            "/usr/bin/ssh", "-i", Path.Combine(_home, ClusterMesh.KeyPath("prod")),
            "-o", "UserKnownHostsFile=" + Path.Combine(_home, ClusterMesh.KnownHostsPath("prod")),
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10",
            "-F", "/dev/null", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{Environment.UserName}@127.0.0.1", command,
        ];
        var r = await new LocalShell(timeout: TimeSpan.FromSeconds(30)).RunAsync(ShellQuote.Join(args));
        return (r.ExitCode, r.Stdout + r.Stderr);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
