using Hunyuan.Cluster.Services;
using Spectre.Console.Testing;

namespace Hunyuan.Cli.Tests.Rendering;

/// <summary>Progress as plain lines when stderr is not a terminal, and as colour and per-rank bars when it is.</summary>
public sealed class ConsoleProgressTests
{
    private static readonly RankProgress[] Loading = [new(0, "local-0", 0, "loading", 40), new(1, "local-1", 1, "pending", 0)];
    private static readonly RankProgress[] Ready = [new(0, "local-0", 0, "ready", 100), new(1, "local-1", 1, "ready", 100)];

    [Fact]
    public async Task WithoutATerminalEveryEventIsOnePlainLine()
    {
        var stderr = new StringWriter();
        var progress = new ConsoleProgress(new CliConsole(new StringWriter(), stderr));

        var result = await progress.WithRankBarsAsync(() =>
        {
            progress.Report(ClusterEvent.ForHost("n1", "agent started (pid 42)"));
            progress.Report(ClusterEvent.Warning("slow disk"));
            progress.Report(new ClusterEvent("[  1.0s] loading: r0@local-0:40%", null, ClusterEventKind.Rank, Loading));
            progress.Report(new ClusterEvent("deployment tiny ready"));
            return Task.FromResult(7);
        });

        Assert.Equal(7, result);
        Assert.Equal(["[n1] agent started (pid 42)", "warning: slow disk", "  [  1.0s] loading: r0@local-0:40%", "deployment tiny ready"],
            stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
    }

    [Fact]
    public async Task OnATerminalRanksGetABarEachAndOtherNewsStaysALine()
    {
        var terminal = new TestConsole().Width(160).Interactive();
        var progress = new ConsoleProgress(new CliConsole(new StringWriter(), new StringWriter(), terminal));

        await progress.WithRankBarsAsync(async () =>
        {
            progress.Report(ClusterEvent.ForHost("n1", "agent started"));
            progress.Report(new ClusterEvent("[  1.0s] loading: r0@local-0:40%", null, ClusterEventKind.Rank, Loading));
            await Task.Delay(200);
            progress.Report(new ClusterEvent("[  2.0s] ready: r0@local-0:ready", null, ClusterEventKind.Rank, Ready));
            progress.Report(ClusterEvent.Warning("canary slow"));
            return 0;
        });

        var text = terminal.Output;
        Assert.Contains("[n1] agent started", text, StringComparison.Ordinal);
        Assert.Contains("warning: canary slow", text, StringComparison.Ordinal);
        Assert.Matches(@"rank 0\s+local-0 gpu 0\s+ready.*100%", text);
        Assert.Matches(@"rank 1\s+local-1 gpu 1\s+ready.*100%", text);
        Assert.DoesNotContain("r0@local-0:ready", text, StringComparison.Ordinal);
    }
}
