using System.Globalization;
using Hunyuan.Cluster.Status;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Hunyuan.Cli.Rendering;

/// <summary>`hyc status` on a terminal: a table of nodes and their GPUs, and per deployment a table of its ranks with their load.</summary>
internal static class StatusView
{
    public static IRenderable Build(ClusterStatus s, DateTimeOffset? at = null)
    {
        var rows = new List<IRenderable>
        {
            new Markup(Inv($"[bold]cluster {Markup.Escape(s.Cluster)}[/]: {s.Nodes.Count(n => n.State == "alive")}/{s.Nodes.Length} nodes alive")
                + (at is { } t ? Inv($"[grey]  ({t.ToLocalTime():HH:mm:ss}, Ctrl-C to stop)[/]") : "")),
        };

        var nodes = new Table().Border(TableBorder.Rounded).AddColumns("node", "state", "role", "address", "GPUs", "memory free / total");
        foreach (var n in s.Nodes)
        {
            var gpus = n.Gpus.Length == 0 ? "none" : Inv($"{n.Gpus.Length} x {n.Gpus[0].Name}{(n.Gpus[0].Virtual ? " (virtual)" : "")}");
            var memory = string.Join("\n", n.Gpus.Select(g => Inv($"gpu {g.Index}: {(g.MemoryFreeBytes is { } f ? Gib(f) : "?")} / {Gib(g.MemoryTotalBytes)} GiB")));
            nodes.AddRow(
                new Text(n.Name),
                State(n.State),
                new Text(n.IsHead ? "head" : ""),
                new Text(n.Address),
                new Text(gpus + (n.GpuProbeError is null ? "" : $"\nGPU probe: {n.GpuProbeError}")),
                new Text(memory));
        }

        rows.Add(nodes);
        foreach (var d in s.Deployments)
        {
            rows.Add(new Markup(Inv($"[bold]deployment {Markup.Escape(d.Name)}[/] [{ConsoleProgress.StateColor(d.State)}]{d.State}[/] ({Markup.Escape(d.Variant)}, TP{d.Tp} x PP{d.Pp}): {Markup.Escape(d.Reason)}")));
            var ranks = new Table().Border(TableBorder.Rounded).AddColumns("rank", "node", "gpu", "state", "load", "layers", "experts", "error");
            foreach (var k in d.Ranks)
            {
                ranks.AddRow(
                    new Text(Inv($"{k.Rank}")),
                    new Text(k.Node),
                    new Text(Inv($"{k.Gpu}")),
                    State(k.State),
                    new Markup(Bar(k.State == "ready" ? 100 : k.LoadPercent)),
                    new Text(k.Layers),
                    new Text(k.Experts),
                    new Text(k.Error ?? ""));
            }

            rows.Add(ranks);
        }

        return new Rows(rows);
    }

    /// <summary>A ten-cell bar and the percentage, as markup.</summary>
    internal static string Bar(double percent)
    {
        percent = Math.Clamp(percent, 0, 100);
        var filled = (int)Math.Round(percent / 10);
        return Inv($"[green]{new string('█', filled)}[/][grey]{new string('░', 10 - filled)}[/] {percent,3:F0}%");
    }

    private static Markup State(string state) => new($"[{ConsoleProgress.StateColor(state)}]{Markup.Escape(state)}[/]");

    private static string Gib(long bytes) => Inv($"{bytes / (double)(1L << 30):F1}");

    private static string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
}
