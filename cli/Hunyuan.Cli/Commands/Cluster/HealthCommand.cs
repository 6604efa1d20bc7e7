using System.CommandLine;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.Status;

namespace Hunyuan.Cli.Commands.Cluster;

/// <summary>
/// `hyc health`: three layers. Live: every known node is in membership. Ready: every deployment's ranks are ready.
/// Progressing: each deployment's canary generation finished within the deadline. Exit codes: Success (healthy),
/// HealthDegraded (some check fails but a deployment still serves), HealthDown (unreachable, or nothing serves),
/// InvalidArguments.
/// </summary>
internal sealed class HealthCommand : Command
{
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<int> DeadlineOption = new("--deadline") { Description = "Seconds within which the last canary must have finished", DefaultValueFactory = _ => 120 };

    private readonly CliConsole _console;

    public HealthCommand(CliConsole console)
        : base("health", "Live, ready, progressing; the exit code says which")
    {
        _console = console;
        ClusterTargetOptions.AddTo(this);
        Options.Add(JsonOption);
        Options.Add(DeadlineOption);
        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var output = await ClusterService.CreateDefault().HealthAsync(ClusterTargetOptions.Read(r), TimeSpan.FromSeconds(r.GetValue(DeadlineOption)), ClusterTargetOptions.ConnectTimeout(r), cancellationToken);
        if (r.GetValue(JsonOption))
        {
            _console.Json(output, CliJsonContext.Default.HealthOutput);
        }

        _console.Human(output.Status);
        _console.Human($"  live:        {(output.Checks.Live.Ok ? "ok" : "FAIL")}  {output.Checks.Live.Reason}");
        _console.Human($"  ready:       {(output.Checks.Ready.Ok ? "ok" : "FAIL")}  {output.Checks.Ready.Reason}");
        _console.Human($"  progressing: {(output.Checks.Progressing.Ok ? "ok" : "FAIL")}  {output.Checks.Progressing.Reason}");
        return output.Status switch
        {
            "healthy" => ExitCodes.Success,
            "degraded" => ExitCodes.HealthDegraded,
            _ => ExitCodes.HealthDown,
        };
    }
}
