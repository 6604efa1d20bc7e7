using System.CommandLine;

namespace Hunyuan.Cli.Commands.Cluster;

internal sealed record HealthCheck(bool Ok, string Reason);

internal sealed record HealthChecks(HealthCheck Live, HealthCheck Ready, HealthCheck Progressing);

internal sealed record HealthOutput(string Status, HealthChecks Checks);

/// <summary>
/// `hyc health`: three layers. Live: every known node is in membership. Ready: every deployment's ranks are ready.
/// Progressing: each deployment's canary generation finished within the deadline. Exit 0 healthy, 1 degraded (some
/// check fails but a deployment still serves), 2 down (unreachable, or nothing serves).
/// </summary>
internal sealed class HealthCommand : ClusterCommandBase
{
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<int> DeadlineOption = new("--deadline") { Description = "Seconds within which the last canary must have finished", DefaultValueFactory = _ => 120 };

    public HealthCommand(CliConsole console)
        : base("health", "Live, ready, progressing; the exit code says which", console)
    {
        Options.Add(JsonOption);
        Options.Add(DeadlineOption);
    }

    protected override int UnreachableExitCode => ExitCodes.HealthDown;

    protected override int OnUnreachable(ParseResult r, string message)
    {
        var down = new HealthCheck(false, message);
        Report(r, new HealthOutput("down", new HealthChecks(down, new HealthCheck(false, "cluster unreachable"), new HealthCheck(false, "cluster unreachable"))));
        return ExitCodes.HealthDown;
    }

    protected override async Task<int> ExecuteAsync(ParseResult r, IClusterClient client, CancellationToken cancellationToken)
    {
        var s = await ClusterSnapshot.ReadAsync(client, r.GetValue(ClusterLocator.ClusterOption) ?? "local");
        var deadline = TimeSpan.FromSeconds(r.GetValue(DeadlineOption));
        var dead = s.Nodes.Where(n => n.State != "alive").Select(n => $"{n.Name} ({n.State})").ToArray();
        var live = dead.Length == 0
            ? new HealthCheck(s.Nodes.Length > 0, s.Nodes.Length > 0 ? $"all {s.Nodes.Length} nodes alive" : "no nodes")
            : new HealthCheck(false, $"not alive: {string.Join(", ", dead)}");

        var notReady = s.Deployments.Where(d => d.State != "ready" || d.Ranks.Any(k => k.State != "ready")).ToArray();
        var ready = s.Deployments.Length == 0
            ? new HealthCheck(false, "no deployments")
            : notReady.Length == 0
                ? new HealthCheck(true, $"all {s.Deployments.Length} deployment(s) ready")
                : new HealthCheck(false, string.Join("; ", notReady.Select(d => $"{d.Name} {d.State}: {d.Reason}")));

        var now = DateTimeOffset.UtcNow;
        var stale = s.Deployments.Where(d => d.CanaryPassedAt is null || now - d.CanaryPassedAt > deadline).ToArray();
        var progressing = s.Deployments.Length == 0
            ? new HealthCheck(false, "no deployments")
            : stale.Length == 0
                ? new HealthCheck(true, $"canaries passed within {deadline.TotalSeconds:F0} s")
                : new HealthCheck(false, string.Join("; ", stale.Select(d => d.CanaryPassedAt is null
                    ? $"{d.Name}: no canary has passed{(d.CanaryError is null ? "" : $" ({d.CanaryError})")}"
                    : $"{d.Name}: last canary {(now - d.CanaryPassedAt.Value).TotalSeconds:F0} s ago")));

        var serving = s.Deployments.Any(d => d.State == "ready" && d.CanaryPassedAt is { } at && now - at <= deadline);
        var status = live.Ok && ready.Ok && progressing.Ok ? "healthy" : serving ? "degraded" : "down";
        Report(r, new HealthOutput(status, new HealthChecks(live, ready, progressing)));
        return status switch
        {
            "healthy" => ExitCodes.Success,
            "degraded" => ExitCodes.HealthDegraded,
            _ => ExitCodes.HealthDown,
        };
    }

    private void Report(ParseResult r, HealthOutput output)
    {
        if (r.GetValue(JsonOption))
        {
            Console.Json(output, CliJsonContext.Default.HealthOutput);
        }

        Console.Human($"{output.Status}");
        Console.Human($"  live:        {(output.Checks.Live.Ok ? "ok" : "FAIL")}  {output.Checks.Live.Reason}");
        Console.Human($"  ready:       {(output.Checks.Ready.Ok ? "ok" : "FAIL")}  {output.Checks.Ready.Reason}");
        Console.Human($"  progressing: {(output.Checks.Progressing.Ok ? "ok" : "FAIL")}  {output.Checks.Progressing.Reason}");
    }
}
