using Hunyuan.Provisioning.Agents;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Agents;

/// <summary>The installer against a home of the test's own: complete or absent, never half there, and skipped when present.</summary>
public sealed class AgentInstallerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hyc-installer-" + Guid.NewGuid().ToString("N"));

    public AgentInstallerTests() => Directory.CreateDirectory(_dir);

    private string Home => Path.Combine(_dir, "home");

    [Fact]
    public async Task InstallsOnceKeepsModesAndTheIdFollowsTheContent()
    {
        var bundle = Bundle("v1");
        var shell = new LocalShell(new Dictionary<string, string> { ["HOME"] = Home });
        var lines = new List<string>();

        Assert.True(await AgentInstaller.EnsureAsync(shell, bundle, lines.Add));
        var installed = Path.Combine(Home, ".hyc", "agents", bundle.Id);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(installed, "app", "hyc.dll")));
        Assert.True((File.GetUnixFileMode(Path.Combine(installed, "dotnet", "dotnet")) & UnixFileMode.OtherExecute) != 0, "the host keeps its execute bits");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(Home, ".hyc")));
        Assert.False(Directory.Exists(installed + ".partial"));
        Assert.Contains(lines, l => l.Contains("installed", StringComparison.Ordinal));

        Assert.False(await AgentInstaller.EnsureAsync(shell, bundle, lines.Add), "a second run uploads nothing");
        Assert.NotEqual(bundle.Id, Bundle("v2").Id);
    }

    [Fact]
    public async Task AnInterruptedUploadIsNotInstalledAndIsRedoneThenOldBundlesArePruned()
    {
        var shell = new LocalShell(new Dictionary<string, string> { ["HOME"] = Home });
        var old = Bundle("old");
        await AgentInstaller.EnsureAsync(shell, old, _ => { });

        // What a dropped connection leaves: a partial directory with some files and no marker.
        var bundle = Bundle("new");
        var partial = Path.Combine(Home, ".hyc", "agents", bundle.Id + ".partial", "app");
        Directory.CreateDirectory(partial);
        File.WriteAllText(Path.Combine(partial, "hyc.dll"), "ne");
        Assert.False(await AgentInstaller.IsInstalledAsync(shell, bundle));

        Assert.True(await AgentInstaller.EnsureAsync(shell, bundle, _ => { }));
        Assert.Equal("new", File.ReadAllText(Path.Combine(Home, ".hyc", "agents", bundle.Id, "app", "hyc.dll")));
        Assert.Equal(1, await AgentInstaller.PruneAsync(shell, bundle.Id));
        Assert.Equal([bundle.Id], Directory.GetDirectories(Path.Combine(Home, ".hyc", "agents")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task AnUpgradeSendsOnlyWhatChangedAndLinksTheRestFromTheEarlierBundle()
    {
        var local = new LocalShell(new Dictionary<string, string> { ["HOME"] = Home });
        var counting = new CountingShell(local);
        var v1 = Bundle("v1");
        await AgentInstaller.EnsureAsync(counting, v1, _ => { });
        Assert.Equal(v1.Files.Count, counting.Uploads.Count);

        counting.Uploads.Clear();
        var v2 = Bundle("v2");
        var lines = new List<string>();
        Assert.True(await AgentInstaller.EnsureAsync(counting, v2, lines.Add));
        Assert.Equal(["app/hyc.dll"], counting.Uploads);
        Assert.Contains(lines, l => l.StartsWith($"reused {v2.Files.Count - 1} unchanged file(s)", StringComparison.Ordinal));

        // The same inode: linked, not copied; and still there once the earlier bundle is pruned.
        var (old, now) = (Path.Combine(Home, ".hyc/agents", v1.Id, "dotnet/dotnet"), Path.Combine(Home, ".hyc/agents", v2.Id, "dotnet/dotnet"));
        var inodes = await local.RunAsync($"stat -c %i '{old}' '{now}'");
        Assert.Single(inodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct());
        Assert.True((File.GetUnixFileMode(now) & UnixFileMode.UserExecute) != 0);
        await AgentInstaller.PruneAsync(local, v2.Id);
        Assert.Equal("#!/bin/sh\n", File.ReadAllText(now));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class CountingShell(IHostShell inner) : IHostShell
    {
        public List<string> Uploads { get; } = [];

        public string Host => inner.Host;

        public Task<ShellResult> RunAsync(string command, CancellationToken cancellationToken = default) => inner.RunAsync(command, cancellationToken);

        public Task WriteFileAsync(string relativePath, byte[] content, UnixFileMode mode, CancellationToken cancellationToken = default) =>
            inner.WriteFileAsync(relativePath, content, mode, cancellationToken);

        public Task<IRunningCommand> StartAsync(string command, CancellationToken cancellationToken = default) => inner.StartAsync(command, cancellationToken);

        public Task UploadFileAsync(string localPath, string relativePath, UnixFileMode mode, Action<long>? bytesWritten = null, CancellationToken cancellationToken = default)
        {
            Uploads.Add(relativePath[(relativePath.IndexOf(".partial/", StringComparison.Ordinal) + ".partial/".Length)..]);
            return inner.UploadFileAsync(localPath, relativePath, mode, bytesWritten, cancellationToken);
        }
    }

    private AgentBundle Bundle(string content)
    {
        var app = Path.Combine(_dir, "app-" + content);
        var root = Path.Combine(_dir, "dotnet-" + content);
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "hyc.dll"), content);
        foreach (var dir in new[] { "host/fxr/10.0.1", "shared/Microsoft.NETCore.App/10.0.1", "shared/Microsoft.AspNetCore.App/10.0.2" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
            File.WriteAllText(Path.Combine(root, dir, "lib.so"), dir);
        }

        File.WriteAllText(Path.Combine(root, "dotnet"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(root, "dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return AgentBundle.From(app, root, "10.0.1");
    }
}
