using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Keys;

/// <summary>The cluster's block in ~/.ssh/config, in a home of the test's own: first, the user's lines kept after it, one block, 0600.</summary>
public sealed class SshClientConfigTests : IDisposable
{
    private const string UsersOwn = "Host build\n    HostName build.example\n    User me\n";
    private readonly string _home = Path.Combine(Path.GetTempPath(), "hyc-sshconfig-" + Guid.NewGuid().ToString("N"));

    public SshClientConfigTests() => Directory.CreateDirectory(Path.Combine(_home, ".ssh"));

    private string ConfigPath => Path.Combine(_home, ".ssh", "config");

    private LocalShell Shell => new(new Dictionary<string, string> { ["HOME"] = _home });

    [Fact]
    public async Task AddsOneBlockKeepsTheUsersLinesAndReplacesItWhenThePeersChange()
    {
        File.WriteAllText(ConfigPath, UsersOwn);
        MeshPeer[] peers = [new("10.0.0.1", 22, "root"), new("10.0.0.2", 2222, "ubuntu")];

        Assert.True(await SshClientConfig.EnsureAsync(Shell, "prod", peers));
        var text = File.ReadAllText(ConfigPath);
        Assert.StartsWith("# >>> hyc cluster prod ", text, StringComparison.Ordinal);
        Assert.EndsWith("Host *\n# <<< hyc cluster prod\n\n" + UsersOwn, text, StringComparison.Ordinal);
        Assert.Contains("Host 10.0.0.2\n    HostName 10.0.0.2\n    Port 2222\n    User ubuntu\n    IdentityFile ~/.ssh/hyc_prod_ed25519\n    IdentitiesOnly yes\n    StrictHostKeyChecking yes\n    UserKnownHostsFile ~/.ssh/hyc_prod_known_hosts\n", text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));

        Assert.False(await SshClientConfig.EnsureAsync(Shell, "prod", peers), "a second run changes nothing");
        Assert.Equal(text, File.ReadAllText(ConfigPath));

        Assert.True(await SshClientConfig.EnsureAsync(Shell, "prod", [.. peers, new("10.0.0.3", 22, "root")]));
        var updated = File.ReadAllText(ConfigPath);
        Assert.Single(updated.Split('\n'), l => l.StartsWith("# >>> hyc cluster prod", StringComparison.Ordinal));
        Assert.Contains("Host 10.0.0.3", updated, StringComparison.Ordinal);

        Assert.True(await SshClientConfig.RemoveAsync(Shell, "prod"));
        Assert.Equal(UsersOwn, File.ReadAllText(ConfigPath));
        Assert.False(await SshClientConfig.RemoveAsync(Shell, "prod"));
    }

    [Fact]
    public async Task ASymlinkedConfigIsLeftAlone()
    {
        var target = Path.Combine(_home, "dotfiles-ssh-config");
        File.WriteAllText(target, UsersOwn);
        File.CreateSymbolicLink(ConfigPath, target);
        Assert.False(await SshClientConfig.EnsureAsync(Shell, "prod", [new("10.0.0.1", 22, "root")]));
        Assert.Equal(UsersOwn, File.ReadAllText(target));
        Assert.NotNull(new FileInfo(ConfigPath).LinkTarget);
    }

    [Theory]
    [InlineData("root\n    ProxyCommand sh -c 'id > /tmp/owned'")]
    [InlineData("root ProxyCommand=sh")]
    [InlineData("root#")]
    [InlineData("")]
    public void AUserThatWouldAddOptionsIsRefused(string user)
    {
        var e = Assert.Throws<ArgumentException>(() => SshClientConfig.Block("prod", [new("10.0.0.1", 22, user)]));
        Assert.Contains("cannot go into ~/.ssh/config", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task TheBlockGoesFirstSoTheUsersHostStarCannotWeakenItAndItStaysFirstBesideAnotherCluster()
    {
        // The user's global option at the top, then a Host * that would turn checking off and log in as someone else.
        const string Users = "ServerAliveInterval 30\nHost *\n    StrictHostKeyChecking no\n    User intruder\n    UserKnownHostsFile /dev/null\n";
        File.WriteAllText(ConfigPath, Users);
        MeshPeer[] peers = [new("10.0.0.1", 22, "root"), new("10.0.0.2", 2222, "ubuntu")];
        Assert.True(await SshClientConfig.EnsureAsync(Shell, "prod", peers));
        Assert.True(await SshClientConfig.EnsureAsync(Shell, "other", [new("10.9.0.1", 22, "ops")]));
        Assert.False(await SshClientConfig.EnsureAsync(Shell, "prod", peers), "ahead of the user's lines, behind another cluster's block: in place");
        Assert.EndsWith(Users, File.ReadAllText(ConfigPath), StringComparison.Ordinal);

        // What OpenSSH itself makes of the file (ssh -G prints the options it would use, connecting nowhere).
        var mesh = await SshG("10.0.0.2");
        Assert.Contains("user ubuntu", mesh);
        Assert.Contains("port 2222", mesh);
        Assert.Contains("stricthostkeychecking true", mesh);
        Assert.Contains("identitiesonly yes", mesh);
        Assert.Contains(mesh, l => l.StartsWith("userknownhostsfile ", StringComparison.Ordinal) && l.EndsWith("/.ssh/hyc_prod_known_hosts", StringComparison.Ordinal));
        Assert.Contains(mesh, l => l.StartsWith("identityfile ", StringComparison.Ordinal) && l.EndsWith("/.ssh/hyc_prod_ed25519", StringComparison.Ordinal));

        // The user's own lines still apply to every other host, the global one included.
        var elsewhere = await SshG("build.example");
        Assert.Contains("user intruder", elsewhere);
        Assert.Contains("serveraliveinterval 30", elsewhere);
        Assert.Contains("serveraliveinterval 30", mesh);
    }

    private async Task<string[]> SshG(string host)
    {
        Skip.IfNot(File.Exists("/usr/bin/ssh"), "needs /usr/bin/ssh (openssh-client)");
        var r = await Shell.RunAsync(ShellQuote.Join(["/usr/bin/ssh", "-G", "-F", ConfigPath, host]));
        Assert.True(r.Ok, r.Stderr);
        return r.Stdout.Split('\n', StringSplitOptions.TrimEntries);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
