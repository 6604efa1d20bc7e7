using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Ssh;
using Hunyuan.Provisioning.Tests.TestSupport;

namespace Hunyuan.Provisioning.Tests.Ssh;

/// <summary>Host-key pinning against a real sshd on loopback (ports from TestPorts).</summary>
[Trait("Category", "EndToEnd")]
public sealed class SshHostShellTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hyc-ssh-" + Guid.NewGuid().ToString("N"));

    public SshHostShellTests() => Directory.CreateDirectory(_dir);

    [SkippableFact]
    public async Task NewKeysNeedConsentKnownKeysPassChangedKeysAreRefused()
    {
        var why = LoopbackSshd.WhyNot();
        Skip.If(why is not null, why);
        var client = ClusterKey.Generate("hyc@test");
        using var sshd = new LoopbackSshd(TestPorts.One(), ClusterKey.Generate("host-a"), client);
        var known = new KnownHosts(Path.Combine(_dir, "known_hosts"));
        var target = new SshTarget("127.0.0.1", sshd.Port, Environment.UserName, null, null, AcceptNewHostKeys: false);
        using var key = client.ToPrivateKeyFile();

        var unknown = Assert.Throws<HostKeyException>(() => SshHostShell.Connect(target, known, TimeSpan.FromSeconds(10), key));
        Assert.Contains("unknown host key SHA256:", unknown.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(known.Path));

        using (var shell = SshHostShell.Connect(target with { AcceptNewHostKeys = true }, known, TimeSpan.FromSeconds(10), key))
        {
            var r = await shell.RunAsync("echo hello; id -un");
            Assert.True(r.Ok, r.Stderr);
            Assert.Equal($"hello\n{Environment.UserName}\n", r.Stdout);
        }

        Assert.Single(known.Entries());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(known.Path));

        using (var again = SshHostShell.Connect(target, known, TimeSpan.FromSeconds(10), key))
        {
            Assert.Equal(0, (await again.RunAsync("true")).ExitCode);
        }

        sshd.Restart(ClusterKey.Generate("host-b"));
        var changed = Assert.Throws<HostKeyException>(() => SshHostShell.Connect(target with { AcceptNewHostKeys = true }, known, TimeSpan.FromSeconds(10), key));
        Assert.Contains("HOST KEY CHANGED", changed.Message, StringComparison.Ordinal);
        Assert.Single(known.Entries());
    }

    [SkippableFact]
    public async Task FilesAreWrittenOverSftpWithTheirModeAndReplacedWhole()
    {
        var why = LoopbackSshd.WhyNot();
        Skip.If(why is not null, why);
        var client = ClusterKey.Generate("hyc@test");
        using var sshd = new LoopbackSshd(TestPorts.One(), ClusterKey.Generate("host-a"), client);
        var target = new SshTarget("127.0.0.1", sshd.Port, Environment.UserName, null, null, AcceptNewHostKeys: true);
        using var key = client.ToPrivateKeyFile();
        using var shell = SshHostShell.Connect(target, new KnownHosts(Path.Combine(_dir, "known_hosts")), TimeSpan.FromSeconds(10), key);
        var dir = ".hyc-test-" + Guid.NewGuid().ToString("N");
        try
        {
            await shell.WriteFileAsync(dir + "/secret", "first\n"u8.ToArray(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await shell.WriteFileAsync(dir + "/secret", "second\n"u8.ToArray(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var r = await shell.RunAsync($"stat -c %a \"$HOME/{dir}/secret\"; cat \"$HOME/{dir}/secret\"; ls -A \"$HOME/{dir}\"");
            Assert.True(r.Ok, r.Stderr);
            Assert.Equal("600\nsecond\nsecret\n", r.Stdout);
        }
        finally
        {
            await shell.RunAsync($"rm -rf \"$HOME/{dir}\"");
        }
    }

    [Fact]
    public void AMissingPasswordVariableIsNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => SshHostShell.Connect(
            new SshTarget("127.0.0.1", 1, "u", null, "HYC_TEST_UNSET_PASSWORD_VAR", false), new KnownHosts(Path.Combine(_dir, "kh")), TimeSpan.FromSeconds(1)));
        Assert.Contains("HYC_TEST_UNSET_PASSWORD_VAR", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
