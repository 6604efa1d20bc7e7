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
        Directory.CreateDirectory(Path.Combine(_home, ".hyc", "clusters", "td"));
        File.WriteAllText(Path.Combine(_home, ".hyc", "clusters", "td", "agent.bundle"), "0123456789abcdef\n");
        Directory.CreateDirectory(Path.Combine(_home, ".ssh"));
        File.WriteAllText(Path.Combine(_home, ".ssh", "hyc_td_ed25519"), "key");
        var inventory = InventoryParser.Parse("cluster: td\nssh:\n  identity_file: k\nruntime:\n  kind: process\nhosts:\n  - address: 127.0.0.1\n", "hosts.yaml");
        var teardown = new ClusterTeardown(inventory, new ProvisionOptions(), new Connector(_home), (_, _) => { });

        var first = Assert.Single(await teardown.DownAsync(key: null, purge: true));
        Assert.True(first.Ok, first.Error);
        Assert.Contains($"removed {_home}/.hyc/agents/0123456789abcdef", first.Changes);
        Assert.Contains($"removed {_home}/.hyc/agents", first.Changes);
        Assert.Contains($"removed {_home}/.hyc/clusters/td", first.Changes);
        Assert.Contains($"removed {_home}/.ssh/hyc_td_ed25519", first.Changes);
        Assert.False(Directory.Exists(Path.Combine(_home, ".hyc", "agents")));

        var second = Assert.Single(await teardown.DownAsync(key: null, purge: true));
        Assert.True(second.Ok, second.Error);
        Assert.Empty(second.Changes);
    }

    [Fact]
    public async Task PurgeRemovesOnlyTheBundlesNoOtherClusterOnTheHostUses()
    {
        string Agents(string id) => Path.Combine(_home, ".hyc", "agents", id);
        void Records(string cluster, string id)
        {
            Directory.CreateDirectory(Path.Combine(_home, ".hyc", "clusters", cluster));
            File.WriteAllText(Path.Combine(_home, ".hyc", "clusters", cluster, "agent.bundle"), id + "\n");
        }

        foreach (var id in new[] { "aaaa", "bbbb", "cccc" })
        {
            Directory.CreateDirectory(Agents(id));
        }

        Records("td", "aaaa");
        Records("prod", "bbbb");
        Records("staging", "aaaa");
        var inventory = InventoryParser.Parse("cluster: td\nssh:\n  identity_file: k\nruntime:\n  kind: process\nhosts:\n  - address: 127.0.0.1\n", "hosts.yaml");

        var outcome = Assert.Single(await new ClusterTeardown(inventory, new ProvisionOptions(), new Connector(_home), (_, _) => { }).DownAsync(key: null, purge: true));
        Assert.True(outcome.Ok, outcome.Error);
        Assert.True(Directory.Exists(Agents("aaaa")), "staging still runs it");
        Assert.True(Directory.Exists(Agents("bbbb")), "prod's");
        Assert.True(Directory.Exists(Agents("cccc")), "nobody's record names it, so a purge of td has no business with it");
        Assert.False(Directory.Exists(Path.Combine(_home, ".hyc", "clusters", "td")));

        Records("td", "aaaa");
        File.Delete(Path.Combine(_home, ".hyc", "clusters", "staging", "agent.bundle"));
        Assert.True(Assert.Single(await new ClusterTeardown(inventory, new ProvisionOptions(), new Connector(_home), (_, _) => { }).DownAsync(key: null, purge: true)).Ok);
        Assert.False(Directory.Exists(Agents("aaaa")), "td's alone now");
        Assert.True(Directory.Exists(Agents("bbbb")));
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private sealed class Connector(string home) : IHostConnector
    {
        public Task<HostConnection> ConnectAsync(HostEntry host, CancellationToken cancellationToken) =>
            Task.FromResult(new HostConnection(new LocalShell(new Dictionary<string, string> { ["HOME"] = home }), null, null));
    }
}
