using System.CommandLine;
using System.Globalization;

namespace Hunyuan.Cli.Commands.Cluster;

/// <summary>`hyc status [--json] [--watch]`: nodes, GPUs, deployments, ranks. Exit codes: Success, ClusterUnreachable.</summary>
internal sealed class StatusCommand : ClusterCommandBase
{
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<bool> WatchOption = new("--watch") { Description = "Refresh every 2 seconds until Ctrl-C" };

    public StatusCommand(CliConsole console)
        : base("status", "Nodes, GPUs, deployments and ranks of the cluster", console)
    {
        Options.Add(JsonOption);
        Options.Add(WatchOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult r, IClusterClient client, CancellationToken cancellationToken)
    {
        var name = r.GetValue(ClusterLocator.ClusterOption) ?? "local";
        do
        {
            var snapshot = await ClusterSnapshot.ReadAsync(client, name);
            if (r.GetValue(JsonOption))
            {
                Console.Json(snapshot, CliJsonContext.Default.StatusOutput);
            }

            Print(snapshot);
            if (r.GetValue(WatchOption))
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
        while (r.GetValue(WatchOption) && !cancellationToken.IsCancellationRequested);

        return ExitCodes.Success;
    }

    private void Print(StatusOutput s)
    {
        string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
        Console.Human($"cluster {s.Cluster}: {s.Nodes.Count(n => n.State == "alive")}/{s.Nodes.Length} nodes alive");
        foreach (var n in s.Nodes)
        {
            var gpus = n.Gpus.Length == 0 ? "no GPUs" : Inv($"{n.Gpus.Length} x {n.Gpus[0].Name} {n.Gpus[0].MemoryTotalBytes / (double)(1L << 30):F0} GiB");
            Console.Human(Inv($"  {n.Name,-12} {n.State,-7} {(n.IsHead ? "head" : ""),-4} {n.Address,-15} {gpus}{(n.GpuProbeError is null ? "" : $" (GPU probe: {n.GpuProbeError})")}"));
        }

        foreach (var d in s.Deployments)
        {
            Console.Human(Inv($"deployment {d.Name}: {d.State} ({d.Variant}, TP{d.Tp} x PP{d.Pp}) - {d.Reason}"));
            foreach (var k in d.Ranks)
            {
                Console.Human(Inv($"  rank {k.Rank,2} {k.Node,-12} gpu {k.Gpu} {k.State,-8} {k.LoadPercent,5:F0}%  layers {k.Layers,-7} experts {k.Experts}{(k.Error is null ? "" : $"  {k.Error}")}"));
            }
        }
    }
}
