using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.State;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cluster.Tests.State;

/// <summary>One schema for every runtime, written whole and 0600; files of earlier versions read once and rewritten.</summary>
public sealed class ClusterStoreTests : IDisposable
{
    private readonly TempDirectory _home = new();

    [Fact]
    public void StateRoundTripsAndIsPrivate()
    {
        var store = new ClusterStore(_home.Path, "lab");
        var state = new ClusterState
        {
            Name = "lab",
            Runtime = ClusterRuntimeKinds.SshDocker,
            ClusterId = "lab",
            Gateways = ["10.0.0.1:30000", "10.0.0.2:30000"],
            Head = "10.0.0.1",
            Hosts = [new ClusterHost("10.0.0.1", "head", "10.0.0.1", "8 x H20"), new ClusterHost("10.0.0.2", "worker", "10.0.0.2", "8 x H20")],
            Inventory = "/etc/hyc/hosts.yaml",
            AgentBundle = "0123456789abcdef",
            Endpoints = [new EndpointRecord("m", "http://10.0.0.1:8000/v1", "serve-m", 8000, "KEY_VAR")],
        };

        store.Write(state);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.StateFile));
        var read = store.Read()!;
        Assert.Equal(ClusterState.CurrentVersion, read.Version);
        Assert.Equal(state.Gateways, read.Gateways);
        Assert.Equal(state.Hosts, read.Hosts);
        Assert.Equal(state.Endpoints, read.Endpoints);
        Assert.Equal("10.0.0.1:30000", read.HeadGateway);
        Assert.Contains("\"version\": 2", File.ReadAllText(store.StateFile), StringComparison.Ordinal);
        Assert.False(File.Exists(store.StateFile + ".tmp"));
    }

    [Fact]
    public void AnUnversionedHostListStateIsMigratedOnce()
    {
        var store = new ClusterStore(_home.Path, "lab");
        Directory.CreateDirectory(store.Directory);
        File.WriteAllText(store.StateFile, """
            {"cluster_id":"lab","service_id":"hyc","gateways":["10.0.0.2:30000","10.0.0.1:30000"],"head":"10.0.0.1","runtime":"process",
             "inventory":"/x/hosts.yaml","agent_bundle":"b1","hosts":[{"address":"10.0.0.2","role":"worker","node":"10.0.0.2","gpus":"2"},{"address":"10.0.0.1","role":"head","node":"10.0.0.1","gpus":"2"}],
             "updated_at":"2026-11-28T10:00:00+00:00"}
            """);

        var state = store.Read()!;

        Assert.Equal(ClusterRuntimeKinds.SshProcess, state.Runtime);
        Assert.Equal("/x/hosts.yaml", state.Inventory);
        Assert.Equal("b1", state.AgentBundle);
        Assert.Equal("10.0.0.1:30000", state.HeadGateway);
        Assert.Contains("\"version\": 2", File.ReadAllText(store.StateFile), StringComparison.Ordinal);
    }

    [Fact]
    public void AnOldLocalClusterKeepsItsProcessesAsPidFiles()
    {
        var store = new ClusterStore(_home.Path, "local");
        Directory.CreateDirectory(store.Directory);
        File.WriteAllText(store.StateFile, """{"cluster_id":"hunyuan","service_id":"hyc","gateways":["127.0.0.1:31111","127.0.0.1:31112"]}""");
        File.WriteAllText(Path.Combine(store.Directory, "processes.json"), """
            {"processes":[{"role":"agent local-0","pid":4101,"log":"a0.log"},{"role":"agent local-1","pid":4102,"log":"a1.log"},{"role":"serve","pid":4103,"log":"s.log"}],
             "endpoint":"http://127.0.0.1:8000/v1","deployment":"tiny"}
            """);

        var state = store.Read()!;

        Assert.Equal(ClusterRuntimeKinds.Local, state.Runtime);
        Assert.Equal(new LocalLayout(2, 0, 0, 11111), state.Local);
        Assert.Equal("4101", File.ReadAllText(Path.Combine(store.Directory, "agent-local-0.pid")).Trim());
        Assert.Equal("4102", File.ReadAllText(Path.Combine(store.Directory, "agent-local-1.pid")).Trim());
        Assert.Equal("4103", File.ReadAllText(Path.Combine(store.Directory, "serve-tiny.pid")).Trim());
        Assert.Equal("serve-tiny", Assert.Single(state.Endpoints).Process);
        Assert.False(File.Exists(Path.Combine(store.Directory, "processes.json")), "the old file is read once");
        Assert.Equal(ClusterRuntimeKinds.Local, store.Read()!.Runtime);
    }

    [Fact]
    public void AStateFromANewerHycIsRefusedNotGuessed()
    {
        var store = new ClusterStore(_home.Path, "lab");
        Directory.CreateDirectory(store.Directory);
        File.WriteAllText(store.StateFile, """{"version": 99, "name": "lab", "runtime": "k8s"}""");

        var e = Assert.Throws<IOException>(store.Read);
        Assert.Contains("state version 99", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a b")]
    [InlineData("")]
    public void ClusterNamesCannotLeaveTheirDirectory(string name) => Assert.Throws<ArgumentException>(() => new ClusterStore(_home.Path, name));

    [Fact]
    public void OneLockHolderAtATime()
    {
        var store = new ClusterStore(_home.Path, "lab");
        using (var held = store.TryLock())
        {
            Assert.NotNull(held);
            Assert.Null(store.TryLock());
        }

        using var again = store.TryLock();
        Assert.NotNull(again);
    }

    public void Dispose() => _home.Dispose();
}
