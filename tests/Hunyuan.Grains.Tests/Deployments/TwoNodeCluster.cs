using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Hunyuan.Grains.Nodes;
using Hunyuan.Grains.Placement;
using Hunyuan.Grains.Ranks;
using System.Collections.Concurrent;
using System.Net;
using Hunyuan.Engine.DataPlane;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>
/// Two silos in this process, named as agents name theirs: "head:alpha" and "beta", with the agents' placement, so
/// node and rank grains are pinned as in a real cluster. HYC_HOME points at a temp directory for the cluster's life
/// (the agents' home; never the real ~/.hyc). One filesystem serves both silos, so a path missing is missing on both.
/// Each silo runs its own rank data plane on loopback, as an agent does, and the nodes report its endpoint.
/// Supervision reads a fake clock (<see cref="Clock"/>: the canary period and lease ages pass only when a test moves
/// it), ticks every 100 ms, and waits an hour for replies (so a moved clock never expires one); a call filter on the
/// silos records the deployment grains' rank calls (<see cref="Calls"/>).
/// </summary>
public sealed class TwoNodeCluster : IAsyncLifetime
{
    public const string Head = "alpha";
    public const string Worker = "beta";

    private readonly string? _previousHome = Environment.GetEnvironmentVariable("HYC_HOME");

    public TwoNodeCluster()
    {
        Clocks[Cluster.Options.ClusterId] = Clock;
        Recorders[Cluster.Options.ClusterId] = Calls;
    }

    public TestCluster Cluster { get; } = new TestClusterBuilder(2).AddSiloBuilderConfigurator<AgentLikeSilo>().Build();

    /// <summary>The deployment grains' clock; it starts at the real time and moves only when a test advances it.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public RankCalls Calls { get; } = new();

    public static SupervisionOptions Supervision { get; } = new()
    {
        TickPeriod = TimeSpan.FromMilliseconds(100),
        StatusTimeout = TimeSpan.FromHours(1),
        CanaryDeadline = TimeSpan.FromHours(1),
    };

    public string HycHome { get; } = Path.Combine(Path.GetTempPath(), "hyc-home-" + Guid.NewGuid().ToString("N"));

    public IGrainFactory Grains => Cluster.GrainFactory;

    public static string AddressOf(string node) => node == Head ? "10.0.0.1" : "10.0.0.2";

    /// <summary>Each silo's data-plane endpoint, by test cluster (test classes run in parallel, each with its own) and silo name.</summary>
    private static ConcurrentDictionary<(string Cluster, string Silo), string> DataEndpoints { get; } = new();

    private static ConcurrentDictionary<string, FakeTimeProvider> Clocks { get; } = new();

    private static ConcurrentDictionary<string, RankCalls> Recorders { get; } = new();

    internal static RankCalls RankCallsOf(string clusterId) => Recorders[clusterId];

    public string DataEndpointOf(string node) => DataEndpoints[(Cluster.Options.ClusterId, node == Head ? SiloNames.For(Head, isHead: true) : Worker)];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(HycHome);
        Environment.SetEnvironmentVariable("HYC_HOME", HycHome);
        await Cluster.DeployAsync();
        foreach (var node in new[] { Head, Worker })
        {
            await ReportAsync(node);
        }
    }

    /// <summary>Stops the worker node's silo as its agent would stop (it leaves the membership), with every grain on it.</summary>
    public async Task StopWorkerAsync() => await Cluster.StopSiloAsync(Cluster.SecondarySilos.Single());

    /// <summary>Starts a new silo for the worker node (a restarted agent: a new silo address and data endpoint) and reports it.</summary>
    public async Task StartWorkerAsync()
    {
        await Cluster.StartAdditionalSiloAsync();
        await ReportAsync(Worker);
    }

    private async Task ReportAsync(string node)
    {
        var gpu = new GpuInfo(0, "virtual-0", "virtual-cpu", 4L << 30, null, null, Virtual: true);
        await Grains.GetGrain<INodeGrain>(node).ReportAsync(
            new NodeReport(node, AddressOf(node), [gpu], null, 0, 0, DateTimeOffset.UtcNow, "test", node == Head, DataEndpointOf(node)));
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Environment.SetEnvironmentVariable("HYC_HOME", _previousHome);
        try
        {
            Directory.Delete(HycHome, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class AgentLikeSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            // The test cluster names its silos Primary and Secondary_N; the agents' placement finds nodes by name.
            siloBuilder.Services.PostConfigure<SiloOptions>(o => o.SiloName = o.SiloName == "Primary" ? SiloNames.For(Head, isHead: true) : Worker);
            siloBuilder.Services.AddSingleton<LocalHubRegistry>();
            siloBuilder.Services.AddSingleton<Hunyuan.Grains.Metrics.AgentMetrics>();
            siloBuilder.Services.AddSingleton(_ => new RankDataServer(IPAddress.Loopback));
            siloBuilder.Services.AddHostedService<SiloDataPlane>();
            siloBuilder.AddMemoryGrainStorage(DeploymentStorage.Name);
            siloBuilder.Services.AddKeyedSingleton<TimeProvider>(SupervisionOptions.ClockKey, (sp, _) => Clocks[sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ClusterId]);
            siloBuilder.Services.AddSingleton(Options.Create(Supervision));
            siloBuilder.AddOutgoingGrainCallFilter<RankCallFilter>();
            siloBuilder.AddPlacementDirector<NodePinnedPlacementStrategy, NodePinnedPlacementDirector>();
            siloBuilder.AddPlacementDirector<HeadPlacementStrategy, NodePinnedPlacementDirector>();
        }
    }

    private sealed class SiloDataPlane(RankDataServer server, IOptions<SiloOptions> silo, IOptions<ClusterOptions> cluster) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            server.Start();
            DataEndpoints[(cluster.Value.ClusterId, silo.Value.SiloName)] = server.Endpoint;
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await server.DisposeAsync();
    }
}
