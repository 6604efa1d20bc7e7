using Hunyuan.Cluster.Status;

namespace Hunyuan.Cluster.Tests.Status;

/// <summary>Health's three layers from one status read.</summary>
public sealed class ClusterHealthTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static NodeView Node(string name, string state) => new(name, "127.0.0.1", state, name == "n0", [], null, null, null, null);

    private static DeploymentView Deployment(string state, DateTimeOffset? canary) => new("m", "/m", "bf16", 1, 2, state, "r", null, canary, 1, null, "", []);

    [Fact]
    public void AllAliveReadyAndRecentIsHealthy() =>
        Assert.Equal("healthy", ClusterHealth.Evaluate(new ClusterStatus("c", [Node("n0", "alive"), Node("n1", "alive")], [Deployment("ready", Now.AddSeconds(-30))]), TimeSpan.FromMinutes(2), Now).Status);

    [Fact]
    public void ADeadNodeWithADeploymentStillServingIsDegraded()
    {
        var h = ClusterHealth.Evaluate(new ClusterStatus("c", [Node("n0", "alive"), Node("n1", "dead")], [Deployment("ready", Now.AddSeconds(-30))]), TimeSpan.FromMinutes(2), Now);

        Assert.Equal("degraded", h.Status);
        Assert.Equal("not alive: n1 (dead)", h.Checks.Live.Reason);
    }

    [Fact]
    public void AStaleCanaryOrNoDeploymentIsDown()
    {
        Assert.Equal("down", ClusterHealth.Evaluate(new ClusterStatus("c", [Node("n0", "alive")], [Deployment("ready", Now.AddMinutes(-10))]), TimeSpan.FromMinutes(2), Now).Status);
        Assert.Equal("down", ClusterHealth.Evaluate(new ClusterStatus("c", [Node("n0", "alive")], []), TimeSpan.FromMinutes(2), Now).Status);
    }
}
