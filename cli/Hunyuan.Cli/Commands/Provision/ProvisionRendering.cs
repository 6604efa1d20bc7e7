using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.Services;
using Hunyuan.Provisioning.Clusters;

namespace Hunyuan.Cli.Commands.Provision;

/// <summary>How `up` and `down` of a host list show their outcome: a table per host, the causes, the next commands, and `--json`.</summary>
internal static class ProvisionRendering
{
    public static int Up(CliConsole console, bool json, string path, UpReport report, string source)
    {
        console.Human("");
        console.Human($"{"HOST",-18} {"ROLE",-7} {"GPUS",-34} {"RUNTIME",-11} {"AGENT",-12} STATE");
        foreach (var h in report.Hosts)
        {
            var gpus = h.Report.Gpus.Length > 34 ? h.Report.Gpus[..31] + "..." : h.Report.Gpus;
            console.Human($"{h.Report.Address,-18} {h.Report.Role,-7} {gpus,-34} {report.Runtime,-11} {h.Report.Agent,-12} {h.State}");
        }

        console.Human("");
        if (json)
        {
            console.Json(Output(report, "up"), CliJsonContext.Default.ProvisionOutput);
        }

        if (!report.Ok)
        {
            foreach (var h in report.Hosts.Where(h => h.State != "alive"))
            {
                console.Human($"  {h.Report.Address} ({source} line {h.Report.Line}): {h.Report.Error ?? $"agent {h.Report.Agent} but did not join in time (see ~/.hyc/clusters/{report.Cluster}/logs/agent.log on that host)"}");
            }

            return console.Fail(ExitCodes.ProvisionFailed, $"{report.Hosts.Count(h => h.State != "alive")} of {report.Hosts.Count} host(s) not up; fix the causes above and run `hyc up {path}` again (it continues where this run stopped)");
        }

        console.Human(report.Changed
            ? $"cluster '{report.Cluster}' up: {report.Alive} node(s) alive"
            : $"cluster '{report.Cluster}' already up: {report.Alive} node(s) alive; no changes");
        console.Human($"next: hyc status --cluster {report.Cluster}    hyc deploy MODEL_DIR --cluster {report.Cluster} --variant bf16|fp8|int8    hyc down {path}");
        return ExitCodes.Success;
    }

    public static int Down(CliConsole console, bool json, string? path, DownReport report, bool purge)
    {
        if (report.Hosts.All(h => h.Changes.Count == 0) && report.Removed.Count == 0 && path is null)
        {
            console.Human("no local cluster: nothing to stop");
        }

        foreach (var h in report.Hosts.Where(h => path is not null || h.Changes.Count > 0))
        {
            console.Human($"{h.Address}{(path is null ? $" {h.Node}" : "")}: {(h.Changes.Count == 0 ? "nothing to stop" : string.Join("; ", h.Changes))}{(h.Ok ? "" : $" — FAILED: {h.Error}")}");
        }

        foreach (var removed in report.Removed)
        {
            console.Human($"removed {removed}");
        }

        if (json)
        {
            console.Json(new ProvisionOutput(report.Cluster, purge ? "down --purge" : "down", report.Ok, report.Hosts.Any(h => h.Changes.Count > 0), null,
                report.Hosts.Select(h => Host(h, h.Ok ? "down" : "failed")).ToList()), CliJsonContext.Default.ProvisionOutput);
        }

        return report.Ok
            ? ExitCodes.Success
            : console.Fail(ExitCodes.ProvisionFailed, $"{report.Hosts.Count(h => !h.Ok)} host(s) not stopped (named above); the local state is kept so `hyc down {path ?? "--local"}` can be run again");
    }

    public static ProvisionOutput Output(UpReport report, string action) =>
        new(report.Cluster, action, report.Ok, report.Changed, report.AgentBundle, report.Hosts.Select(h => Host(h.Report, h.State)).ToList());

    private static ProvisionHostOutput Host(HostOutcome h, string state) =>
        new(h.Address, h.Line, h.Role, h.Node, h.Reachable, h.HostKey, h.Gpus, h.Agent, state, h.Changes, h.Error);
}
