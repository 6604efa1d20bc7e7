using System.CommandLine;
using System.Globalization;
using Hunyuan.Cluster.Services;
using Hunyuan.Cli.Rendering;
using Hunyuan.Cluster.Status;
using Spectre.Console;

namespace Hunyuan.Cli.Commands.Cluster;

/// <summary>
/// `hyc status [--json] [--watch]`: nodes, GPUs, deployments, ranks. On a terminal, tables (and with --watch one live
/// view redrawn in place); otherwise plain lines. --json prints the same JSON either way. Exit codes: Success,
/// ClusterUnreachable.
/// </summary>
internal sealed class StatusCommand : Command
{
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<bool> WatchOption = new("--watch") { Description = "Refresh every 2 seconds until Ctrl-C" };

    private readonly CliConsole _console;

    public StatusCommand(CliConsole console)
        : base("status", "Nodes, GPUs, deployments and ranks of the cluster")
    {
        _console = console;
        ClusterTargetOptions.AddTo(this);
        Options.Add(JsonOption);
        Options.Add(WatchOption);
        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var service = ClusterService.CreateDefault();
        var target = ClusterTargetOptions.Read(r);
        if (!r.GetValue(WatchOption))
        {
            Render(r, await service.StatusAsync(target, ClusterTargetOptions.ConnectTimeout(r), cancellationToken));
            return ExitCodes.Success;
        }

        var statuses = service.WatchAsync(target, ClusterTargetOptions.ConnectTimeout(r), TimeSpan.FromSeconds(2), cancellationToken);
        try
        {
            if (_console.Terminal is { } terminal)
            {
                await WatchLiveAsync(terminal, r, statuses);
                return ExitCodes.Success;
            }

            await foreach (var status in statuses)
            {
                Render(r, status);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return ExitCodes.Success;
    }

    // One view redrawn in place; JSON (with --json) still goes to stdout, one object per read.
    private async Task WatchLiveAsync(IAnsiConsole terminal, ParseResult r, IAsyncEnumerable<ClusterStatus> statuses)
    {
        _console.LiveViewActive = true;
        try
        {
            await LiveAsync(terminal, r, statuses);
        }
        finally
        {
            _console.LiveViewActive = false;
        }
    }

    private Task LiveAsync(IAnsiConsole terminal, ParseResult r, IAsyncEnumerable<ClusterStatus> statuses) =>
        terminal.Live(new Text("connecting...")).AutoClear(false).StartAsync(async live =>
        {
            await foreach (var status in statuses)
            {
                if (r.GetValue(JsonOption))
                {
                    _console.Json(status, CliJsonContext.Default.ClusterStatus);
                }

                live.UpdateTarget(StatusView.Build(status, DateTimeOffset.Now));
                live.Refresh();
            }
        });

    private void Render(ParseResult r, ClusterStatus s)
    {
        if (r.GetValue(JsonOption))
        {
            _console.Json(s, CliJsonContext.Default.ClusterStatus);
        }

        if (_console.Terminal is { } terminal)
        {
            terminal.Write(StatusView.Build(s));
            return;
        }

        string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
        _console.Human($"cluster {s.Cluster}: {s.Nodes.Count(n => n.State == "alive")}/{s.Nodes.Length} nodes alive");
        foreach (var n in s.Nodes)
        {
            var gpus = n.Gpus.Length == 0 ? "no GPUs" : Inv($"{n.Gpus.Length} x {n.Gpus[0].Name} {n.Gpus[0].MemoryTotalBytes / (double)(1L << 30):F0} GiB");

            // Live free memory per GPU, in slot order, where the node's probe measures it (NVML or nvidia-smi).
            if (n.Gpus.Any(g => g.MemoryFreeBytes is not null))
            {
                gpus += ", free " + string.Join(" ", n.Gpus.Select(g => g.MemoryFreeBytes is { } f ? Inv($"{f / (double)(1L << 30):F0}") : "?")) + " GiB";
            }
            _console.Human(Inv($"  {n.Name,-12} {n.State,-7} {(n.IsHead ? "head" : ""),-4} {n.Address,-15} {gpus}{(n.GpuProbeError is null ? "" : $" (GPU probe: {n.GpuProbeError})")}"));
        }

        foreach (var d in s.Deployments)
        {
            _console.Human(Inv($"deployment {d.Name}: {d.State} ({d.Variant}, TP{d.Tp} x PP{d.Pp}) - {d.Reason}"));
            foreach (var k in d.Ranks)
            {
                _console.Human(Inv($"  rank {k.Rank,2} {k.Node,-12} gpu {k.Gpu} {k.State,-8} {k.LoadPercent,5:F0}%  layers {k.Layers,-7} experts {k.Experts}{(k.Error is null ? "" : $"  {k.Error}")}"));
            }
        }
    }
}
