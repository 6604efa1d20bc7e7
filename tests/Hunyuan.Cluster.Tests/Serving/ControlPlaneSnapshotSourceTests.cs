using Hunyuan.Cluster.Serving;
using Hunyuan.Cluster.Status;
using Hunyuan.Cluster.Tests.Fakes;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Hunyuan.Grains.Nodes;

namespace Hunyuan.Cluster.Tests.Serving;

/// <summary>The dashboard's cluster view is the status read, in the dashboard's terms.</summary>
public sealed class ControlPlaneSnapshotSourceTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NodesDeploymentsAndRanksCarryStateMemoryCanaryAgeAndLayout()
    {
        var status = new ClusterStatus("c",
            [
                new NodeView("n0", "10.0.0.1", "alive", true, [new GpuView(0, "H20", 96L << 30, 40L << 30, 50, false), new GpuView(1, "virtual", 4L << 30, null, null, true)], null, Now, null, null),
                new NodeView("n1", "10.0.0.2", "dead", false, [], null, null, null, null),
            ],
            [
                new DeploymentView("m", "/m", "fp8", 8, 2, "degraded", "node(s) n1 lost", null, Now.AddSeconds(-42), 12, null, "",
                    [new RankJson(0, "n0", 1, "ready", 100, "0-31", "all", null, 1, 1), new RankJson(8, "n1", 0, "pending", 0, "32-63", "all", "node lost", 0, 1)]),
                new DeploymentView("fresh", "/f", "bf16", 1, 1, "loading", "loading", null, null, null, null, "", []),
            ]);

        var s = ControlPlaneSnapshotSource.Map(status, Now);

        Assert.Equal("c", s.Cluster);
        Assert.Equal(["alive", "dead"], s.Nodes.Select(n => n.State));
        Assert.True(s.Nodes[0].IsHead);
        Assert.Equal(new Hunyuan.Serving.Dashboard.DashboardGpu(0, "H20", 40L << 30, 96L << 30, false), s.Nodes[0].Gpus[0]);
        Assert.Null(s.Nodes[0].Gpus[1].UsedBytes);
        var m = s.Deployments[0];
        Assert.Equal(("degraded", "node(s) n1 lost", 42.0, "TP8 x PP2 (fp8)"), (m.State, m.Reason, m.CanaryAgeSeconds!.Value, m.Layout));
        Assert.Equal([(0, "n0", 1, "ready", 100.0), (8, "n1", 0, "pending", 0.0)], m.Ranks.Select(r => (r.Rank, r.Node, r.Gpu, r.State, r.LoadPercent)));
        Assert.Null(s.Deployments[1].CanaryAgeSeconds);
    }

    [Fact]
    public async Task ItReadsTheControlPlaneLikeStatusDoes()
    {
        var cluster = new FakeCluster();
        cluster.Alive("n0");
        cluster.Members.Add(new NodeMembership("n1", false, "dead", "S127.0.0.1:11112:1", "127.0.0.1"));
        cluster.Existing(FakeCluster.Status("m", DeploymentState.Degraded, "node(s) n1 lost"));
        await using var control = await cluster.ConnectAsync(new ClusterConnection("c", "hyc", ["127.0.0.1:30000"]), TimeSpan.FromSeconds(1), CancellationToken.None);

        var s = await new ControlPlaneSnapshotSource(control, "local", TimeProvider.System).ReadAsync(CancellationToken.None);

        Assert.Equal("local", s.Cluster);
        Assert.Equal([("n0", "alive", 1), ("n1", "dead", 0)], s.Nodes.Select(n => (n.Name, n.State, n.Gpus.Count)));
        Assert.Equal(("m", "degraded", "TP1 x PP2 (bf16)"), (s.Deployments[0].Name, s.Deployments[0].State, s.Deployments[0].Layout));
    }
}
