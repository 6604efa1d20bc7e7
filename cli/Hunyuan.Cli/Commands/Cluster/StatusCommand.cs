using System.CommandLine;
using System.Globalization;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.Status;

namespace Hunyuan.Cli.Commands.Cluster;

/// <summary>`hyc status [--json] [--watch]`: nodes, GPUs, deployments, ranks. Exit codes: Success, ClusterUnreachable.</summary>
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

        try
        {
            await foreach (var status in service.WatchAsync(target, ClusterTargetOptions.ConnectTimeout(r), TimeSpan.FromSeconds(2), cancellationToken))
            {
                Render(r, status);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return ExitCodes.Success;
    }

    private void Render(ParseResult r, ClusterStatus s)
    {
        if (r.GetValue(JsonOption))
        {
            _console.Json(s, CliJsonContext.Default.ClusterStatus);
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
