using Hunyuan.Provisioning.Runtimes;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Runtimes;

/// <summary>
/// The container's sshd setup, run by a real /bin/sh with an /etc/ssh of the test's own, and the config it writes read
/// by the real sshd (`sshd -T`, which prints the settings it would run with): the image's host keys replaced by one of
/// this container's, kept across a restart, and only keys accepted, on the host's address.
/// </summary>
public sealed class ContainerSshdTests : IDisposable
{
    private const string Sshd = "/usr/sbin/sshd";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hyc-csshd-" + Guid.NewGuid().ToString("N"));

    public ContainerSshdTests() => Directory.CreateDirectory(Path.Combine(_dir, "etc-ssh"));

    private string SshDir => Path.Combine(_dir, "etc-ssh");

    [SkippableFact]
    public async Task TheImagesKeysGiveWayToTheContainersOwnAndSshdRunsWithKeysOnlyOnTheHostsAddress()
    {
        Skip.IfNot(File.Exists(Sshd) && File.Exists("/usr/bin/ssh-keygen"), "needs openssh-server (sshd, ssh-keygen)");

        // Keys shipped in the image: every container of it would present them.
        File.WriteAllText(Path.Combine(SshDir, "ssh_host_ed25519_key"), "shipped in the image");
        File.WriteAllText(Path.Combine(SshDir, "ssh_host_rsa_key"), "shipped in the image");
        File.WriteAllText(Path.Combine(SshDir, "sshd_config"), "PermitRootLogin yes\nPasswordAuthentication yes\n");

        // sshd itself is a stand-in that asks the real one for its effective settings (-T) and records them.
        var settings = Path.Combine(_dir, "sshd-T");
        var standIn = Path.Combine(_dir, "sshd");
        File.WriteAllText(standIn, $"#!/bin/sh\nexec {Sshd} -T \"$@\" > {settings}\n");
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var setup = ContainerSshd.Setup(36005, "10.0.0.7", SshDir, standIn);

        var first = await new LocalShell().RunAsync(setup);
        Assert.True(first.Ok, first.Stdout + first.Stderr);
        Assert.False(File.Exists(Path.Combine(SshDir, "ssh_host_rsa_key")), "the image's keys are gone");
        var key = File.ReadAllText(Path.Combine(SshDir, "ssh_host_ed25519_key.pub"));
        Assert.StartsWith("ssh-ed25519 ", key, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(SshDir, "ssh_host_ed25519_key")));

        var effective = File.ReadAllLines(settings);
        Assert.Contains("port 36005", effective);
        Assert.Contains("listenaddress 10.0.0.7:36005", effective);
        Assert.Contains("passwordauthentication no", effective);
        Assert.Contains("kbdinteractiveauthentication no", effective);
        Assert.Contains("permitrootlogin without-password", effective);
        Assert.Contains("pubkeyauthentication yes", effective);
        Assert.Contains($"hostkey {SshDir}/ssh_host_ed25519_key", effective);
        Assert.DoesNotContain(effective, l => l.StartsWith("hostkey ", StringComparison.Ordinal) && !l.EndsWith("ssh_host_ed25519_key", StringComparison.Ordinal));

        // A restart of the same container keeps its key: the mesh pinned it.
        var again = await new LocalShell().RunAsync(setup);
        Assert.True(again.Ok, again.Stdout + again.Stderr);
        Assert.Equal(key, File.ReadAllText(Path.Combine(SshDir, "ssh_host_ed25519_key.pub")));
    }

    [Fact]
    public void TheContainerCommandKeepsTheContainerUpAfterSshdStarts()
    {
        var command = ContainerSshd.Command(36005, "10.0.0.7");
        Assert.EndsWith("/usr/sbin/sshd -f /etc/ssh/sshd_config; exec sleep infinity", command, StringComparison.Ordinal);
        Assert.DoesNotContain("ssh-keygen -A", command, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
