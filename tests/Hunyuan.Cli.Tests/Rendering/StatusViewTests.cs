using Hunyuan.Cli.Rendering;
using Hunyuan.Cluster.Status;
using Spectre.Console.Testing;

namespace Hunyuan.Cli.Tests.Rendering;

/// <summary>`status` on a terminal: the tables hold every node, GPU memory figure, deployment and rank with its load.</summary>
public sealed class StatusViewTests
{
    [Fact]
    public void TablesShowNodesGpusDeploymentsAndRanks()
    {
        var status = new ClusterStatus("local",
            [
                new NodeView("local-0", "127.0.0.1", "alive", true, [new GpuView(0, "virtual", 4L << 30, null, null, true, 3L << 30)], null, null, null, null),
                new NodeView("local-1", "127.0.0.1", "dead", false, [], null, null, null, null),
            ],
            [
                new DeploymentView("tiny", "/m", "bf16", 2, 2, "degraded", "node(s) local-1 lost", null, null, null, null, "",
                    [new RankJson(0, "local-0", 0, "ready", 100, "0-1", "all", null, 1, 1), new RankJson(2, "local-1", 0, "loading", 40, "2-3", "all", "node lost", 0, 1)]),
            ]);
        var console = new TestConsole().Width(200);

        console.Write(StatusView.Build(status));

        var text = console.Output;
        Assert.Contains("cluster local: 1/2 nodes alive", text, StringComparison.Ordinal);
        Assert.Matches(@"local-0\s*│\s*alive\s*│\s*head", text);
        Assert.Matches(@"local-1\s*│\s*dead", text);
        Assert.Contains("gpu 0: 3.0 / 4.0 GiB", text, StringComparison.Ordinal);
        Assert.Contains("deployment tiny degraded (bf16, TP2 x PP2): node(s) local-1 lost", text, StringComparison.Ordinal);
        Assert.Matches(@"2\s*│\s*local-1\s*│\s*0\s*│\s*loading\s*│\s*████░░░░░░\s+40%", text);
        Assert.Contains("node lost", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBarFillsTenCellsByTheTenth()
    {
        Assert.Equal("[green][/][grey]░░░░░░░░░░[/]   0%", StatusView.Bar(0));
        Assert.Equal("[green]██████[/][grey]░░░░[/]  55%", StatusView.Bar(55));
        Assert.Equal("[green]██████████[/][grey][/] 100%", StatusView.Bar(120));
    }
}
