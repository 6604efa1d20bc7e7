using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Tests.Fakes;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cluster.Tests.Runtimes;

/// <summary>The local runtime's decisions, on a process table in memory: what `up` starts, keeps and restarts, and what `down` stops in which order.</summary>
public sealed class LocalRuntimeTests : IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly FakeManagedProcesses _processes = new();
    private readonly FakePortProbe _ports = new();
    private readonly RecordingProgress _progress = new();

    private ClusterStore Store => new(_home.Path, "local");

    [Fact]
    public async Task AFreshUpStartsEveryAgentTheHeadFirst()
    {
        var up = await Runtime(nodes: 3).UpAsync(Store, null, _progress, default);

        Assert.Equal(["started agent-local-0", "started agent-local-1", "started agent-local-2"], _processes.Log);
        Assert.All(up.Hosts, h => Assert.Equal("started", h.Agent));
        Assert.Equal(["127.0.0.1:31111", "127.0.0.1:31112", "127.0.0.1:31113"], up.State.Gateways);
        Assert.Equal(new LocalLayout(3, 2, 1L << 30, 11111), up.State.Local);
        Assert.Contains("--head", _processes.Running["agent-local-0"].Args);
        Assert.DoesNotContain("--head", _processes.Running["agent-local-1"].Args);
        Assert.Equal("11111", ArgAfter(_processes.Running["agent-local-2"].Args, "--primary-port"));
        Assert.True(up.Changed);
    }

    [Fact]
    public async Task UpAgainChangesNothingAndRestartsOnlyWhatDied()
    {
        var runtime = Runtime();
        var first = await runtime.UpAsync(Store, null, _progress, default);
        var pid0 = _processes.Running["agent-local-0"].Pid;

        var second = await runtime.UpAsync(Store, first.State, _progress, default);
        Assert.False(second.Changed);
        Assert.All(second.Hosts, h => Assert.Equal("running", h.Agent));

        _processes.Kill("agent-local-1");
        var third = await runtime.UpAsync(Store, first.State, _progress, default);
        Assert.True(third.Changed);
        Assert.Equal("running", third.Hosts[0].Agent);
        Assert.Equal("started", third.Hosts[1].Agent);
        Assert.Equal(pid0, _processes.Running["agent-local-0"].Pid);
        Assert.Equal(2, _processes.Log.Count(l => l == "started agent-local-1"));
        Assert.Equal(1, _processes.Log.Count(l => l == "started agent-local-0"));
    }

    [Fact]
    public async Task AnExistingClusterKeepsItsShapeAndSaysSo()
    {
        var first = await Runtime(nodes: 2).UpAsync(Store, null, _progress, default);

        var again = await Runtime(nodes: 4).UpAsync(Store, first.State, _progress, default);

        Assert.Equal(2, again.Hosts.Count);
        Assert.Equal(2, _processes.Running.Count);
        Assert.Contains("keeping that shape", _progress.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APortTakenBySomeoneElseNamesThePortAndStartsNothingOnIt()
    {
        _ports.Busy.Add(31112);

        var up = await Runtime().UpAsync(Store, null, _progress, default);

        Assert.True(up.Hosts[0].Ok);
        Assert.Contains("port 31112 on 127.0.0.1 is in use", up.Hosts[1].Error, StringComparison.Ordinal);
        Assert.False(_processes.Running.ContainsKey("agent-local-1"));
    }

    [Fact]
    public async Task AHeadThatNeverListensStopsTheRestFromStarting()
    {
        _ports.Listening = false;

        var up = await Runtime(startTimeout: TimeSpan.FromMilliseconds(300)).UpAsync(Store, null, _progress, default);

        Assert.Contains("did not listen on 127.0.0.1:11111", up.Hosts[0].Error, StringComparison.Ordinal);
        Assert.Contains("the head local-0 did not start", up.Hosts[1].Error, StringComparison.Ordinal);
        Assert.Equal(["started agent-local-0"], _processes.Log);
    }

    [Fact]
    public async Task DownStopsEndpointsThenWorkersThenTheHead()
    {
        var runtime = Runtime(nodes: 3);
        var up = await runtime.UpAsync(Store, null, _progress, default);
        await runtime.EnsureEndpointAsync(Store, up.State, new EndpointRequest("tiny", 8000, null), _progress, default);
        _processes.Log.Clear();

        var hosts = await runtime.DownAsync(Store, up.State, purge: false, _progress, default);

        Assert.Equal(["stopped serve-tiny", "stopped agent-local-2", "stopped agent-local-1", "stopped agent-local-0"], _processes.Log);
        Assert.Equal(["local-0", "local-1", "local-2"], hosts.Select(h => h.Node));
        Assert.Empty(_processes.Running);
    }

    [Fact]
    public async Task AnEndpointKeepsItsKeyByNameAndRefusesATakenPort()
    {
        var runtime = Runtime();
        var up = await runtime.UpAsync(Store, null, _progress, default);

        var record = await runtime.EnsureEndpointAsync(Store, up.State, new EndpointRequest("tiny", 8000, "MY_KEY_VAR"), _progress, default);
        Assert.Equal("http://127.0.0.1:8000/v1", record.Url);
        var args = _processes.Running["serve-tiny"].Args;
        Assert.Equal("MY_KEY_VAR", ArgAfter(args, "--api-key-env"));
        Assert.Equal("local", ArgAfter(args, "--cluster"));

        _ports.Busy.Add(8001);
        var e = await Assert.ThrowsAsync<Hunyuan.Cluster.Services.ClusterException>(() => runtime.EnsureEndpointAsync(Store, up.State, new EndpointRequest("other", 8001, null), _progress, default));
        Assert.Contains("port 8001", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryAgentGetsTheClustersTlsDirectoryAndNewCertificatesRestartEachOne()
    {
        var runtime = Runtime();
        var first = await runtime.UpAsync(Store, null, _progress, default);
        Assert.All(_processes.Running.Values, p => Assert.Equal(Store.TlsDirectory, ArgAfter(p.Args, "--tls-dir")));
        Assert.Contains("created the cluster CA", _progress.Text, StringComparison.Ordinal);
        using (var node = Hunyuan.Engine.Security.ClusterTls.Load(Store.TlsDirectory, "node-local-1"))
        {
            Assert.Equal("CN=local-1", node.Certificate.Subject);
        }

        using (var tls = Store.Tls())
        {
            tls.RotateAuthority();
        }

        var rotated = await runtime.UpAsync(Store, first.State, _progress, default);

        Assert.All(rotated.Hosts, h => Assert.Equal("restarted", h.Agent));
        Assert.Equal(["started agent-local-0", "started agent-local-1", "restarted agent-local-0", "restarted agent-local-1"], _processes.Log);
    }

    public void Dispose() => _home.Dispose();

    private static string ArgAfter(IReadOnlyList<string> args, string flag) => args[args.ToList().IndexOf(flag) + 1];

    [Theory]
    [InlineData(1, 2, null)]
    [InlineData(2, 2, "1")]
    [InlineData(3, 2, "1")]
    [InlineData(2, 16, "8")]
    public async Task AgentsOnOneMachineSplitItsCoresBetweenTheirThreadPools(int nodes, int cores, string? threads)
    {
        await Runtime(nodes, processorCount: cores).UpAsync(Store, null, _progress, default);

        Assert.All(_processes.Running.Values, p => Assert.Equal(threads, p.Args.Contains("--torch-threads") ? ArgAfter(p.Args, "--torch-threads") : null));
    }

    private LocalRuntime Runtime(int nodes = 2, TimeSpan? startTimeout = null, int processorCount = 4) => new(
        new LocalClusterOptions { Nodes = nodes, GpusPerNode = 2, GpuMemoryBytes = 1L << 30, BasePort = 11111, StartTimeout = startTimeout ?? TimeSpan.FromSeconds(5), ProcessorCount = processorCount },
        _processes, _ports, TimeProvider.System);
}
