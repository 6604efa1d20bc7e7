using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Keys;

/// <summary>The cluster's block in ~/.ssh/config, in a home of the test's own: the user's lines kept, one block, 0600.</summary>
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
        Assert.StartsWith(UsersOwn, text, StringComparison.Ordinal);
        Assert.Contains("Host 10.0.0.2\n    HostName 10.0.0.2\n    Port 2222\n    User ubuntu\n    IdentityFile ~/.ssh/hyc_prod_ed25519\n", text, StringComparison.Ordinal);
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

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
