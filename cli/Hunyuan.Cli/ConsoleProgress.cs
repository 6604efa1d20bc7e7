using Hunyuan.Cluster.Services;
using Spectre.Console;

namespace Hunyuan.Cli;

/// <summary>
/// Renders the application layer's progress on stderr as it happens. Not a terminal: plain lines, "[host] step" for a
/// host's steps, "warning: ..." for warnings, the ranks' one-line summary. A terminal: the same news in colour, and
/// inside <see cref="WithRankBarsAsync{T}"/> a progress bar per rank in place of the summary lines. Synchronous (unlike
/// Progress&lt;T&gt;), so lines keep their order; hosts report from several threads, so each line is written whole.
/// </summary>
internal sealed class ConsoleProgress(CliConsole console) : IProgress<ClusterEvent>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, ProgressTask> _bars = [];
    private ProgressContext? _context;

    public void Report(ClusterEvent value)
    {
        lock (_lock)
        {
            if (console.Terminal is not null)
            {
                ReportRich(value);
                return;
            }

            console.Human(value.Kind switch
            {
                ClusterEventKind.Host => $"[{value.Host}] {value.Message}",
                ClusterEventKind.Warning => $"warning: {value.Message}",
                ClusterEventKind.Rank => $"  {value.Message}",
                _ => value.Message,
            });
        }
    }

    /// <summary>Runs <paramref name="work"/> with a bar per rank drawn from its rank events (a terminal only; otherwise just runs it).</summary>
    public async Task<T> WithRankBarsAsync<T>(Func<Task<T>> work)
    {
        if (console.Terminal is not { } terminal)
        {
            return await work();
        }

        T result = default!;
        await terminal.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                lock (_lock)
                {
                    _context = context;
                    console.LiveViewActive = true;
                }

                try
                {
                    result = await work();
                }
                finally
                {
                    lock (_lock)
                    {
                        _context = null;
                        _bars.Clear();
                        console.LiveViewActive = false;
                    }
                }
            });
        return result;
    }

    private void ReportRich(ClusterEvent e)
    {
        if (e.Kind == ClusterEventKind.Rank && e.Ranks is { } ranks && _context is { } context)
        {
            foreach (var r in ranks)
            {
                var description = $"rank {r.Rank,-3} {Markup.Escape(r.Node)} gpu {r.Gpu}  [{StateColor(r.State)}]{Markup.Escape(r.State)}[/]";
                if (!_bars.TryGetValue(r.Rank, out var bar))
                {
                    bar = context.AddTask(description, maxValue: 100);
                    _bars[r.Rank] = bar;
                }

                bar.Description = description;
                bar.Value = r.State == "ready" ? 100 : Math.Clamp(r.LoadPercent, 0, 100);
            }

            return;
        }

        console.HumanMarkup(e.Kind switch
        {
            ClusterEventKind.Host => $"[bold deepskyblue1]{Markup.Escape($"[{e.Host}]")}[/] {Markup.Escape(e.Message)}",
            ClusterEventKind.Warning => $"[yellow]warning:[/] {Markup.Escape(e.Message)}",
            ClusterEventKind.Rank => $"[grey]  {Markup.Escape(e.Message)}[/]",
            _ => Markup.Escape(e.Message),
        });
    }

    internal static string StateColor(string state) => state switch
    {
        "alive" or "ready" or "healthy" => "green",
        "dead" or "failed" or "down" => "red",
        _ => "yellow",
    };
}
