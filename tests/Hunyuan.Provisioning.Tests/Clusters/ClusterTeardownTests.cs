using Hunyuan.Provisioning.Clusters;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Clusters;

/// <summary>`down --purge` on a host of the test's own (a local shell with its own home), process runtime.</summary>
public sealed class ClusterTeardownTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "hyc-teardown-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task PurgeWithoutTheLocalKeyRemovesWhatIsThereAndASecondPurgeFindsNothing()
    {
        Directory.CreateDirectory(Path.Combine(_home, ".hyc", "agents", "0123456789abcdef"));
        Directory.CreateDirectory(Path.Combine(_home, ".ssh"));
        File.WriteAllText(Path.Combine(_home, ".ssh", "hyc_td_ed25519"), "key");
        var inventory = InventoryParser.Parse("cluster: td\nssh:\n  identity_file: k\nruntime:\n  kind: process\nhosts:\n  - address: 127.0.0.1\n", "hosts.yaml");
        var teardown = new ClusterTeardown(inventory, new ProvisionOptions(), new Connector(_home), (_, _) => { });

        var first = Assert.Single(await teardown.DownAsync(key: null, purge: true));
        Assert.True(first.Ok, first.Error);
        Assert.Contains($"removed {_home}/.hyc/agents", first.Changes);
        Assert.Contains($"removed {_home}/.ssh/hyc_td_ed25519", first.Changes);
        Assert.False(Directory.Exists(Path.Combine(_home, ".hyc", "agents")));

        var second = Assert.Single(await teardown.DownAsync(key: null, purge: true));
        Assert.True(second.Ok, second.Error);
        Assert.Empty(second.Changes);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private sealed class Connector(string home) : IHostConnector
    {
        public Task<HostConnection> ConnectAsync(HostEntry host, CancellationToken cancellationToken) =>
            Task.FromResult(new HostConnection(new LocalShell(new Dictionary<string, string> { ["HOME"] = home }), null, null));
    }
}
