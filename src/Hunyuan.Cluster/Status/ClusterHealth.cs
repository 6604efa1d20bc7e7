using System.Globalization;

namespace Hunyuan.Cluster.Status;

public sealed record HealthCheck(bool Ok, string Reason);

public sealed record HealthChecks(HealthCheck Live, HealthCheck Ready, HealthCheck Progressing);

/// <summary>`hyc health --json`: healthy, degraded (something fails but a deployment serves) or down.</summary>
public sealed record HealthOutput(string Status, HealthChecks Checks)
{
    public static HealthOutput Unreachable(string message) =>
        new("down", new HealthChecks(new HealthCheck(false, message), new HealthCheck(false, "cluster unreachable"), new HealthCheck(false, "cluster unreachable")));
}

/// <summary>
/// Three layers of health from one status read. Live: every known node is in membership. Ready: every deployment's
/// ranks are ready. Progressing: each deployment's canary passed within the deadline.
/// </summary>
public static class ClusterHealth
{
    public static HealthOutput Evaluate(ClusterStatus s, TimeSpan deadline, DateTimeOffset now)
    {
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

        var stale = s.Deployments.Where(d => d.CanaryPassedAt is null || now - d.CanaryPassedAt > deadline).ToArray();
        var progressing = s.Deployments.Length == 0
            ? new HealthCheck(false, "no deployments")
            : stale.Length == 0
                ? new HealthCheck(true, string.Create(CultureInfo.InvariantCulture, $"canaries passed within {deadline.TotalSeconds:F0} s"))
                : new HealthCheck(false, string.Join("; ", stale.Select(d => d.CanaryPassedAt is null
                    ? $"{d.Name}: no canary has passed{(d.CanaryError is null ? "" : $" ({d.CanaryError})")}"
                    : string.Create(CultureInfo.InvariantCulture, $"{d.Name}: last canary {(now - d.CanaryPassedAt.Value).TotalSeconds:F0} s ago"))));

        var serving = s.Deployments.Any(d => d.State == "ready" && d.CanaryPassedAt is { } at && now - at <= deadline);
        var status = live.Ok && ready.Ok && progressing.Ok ? "healthy" : serving ? "degraded" : "down";
        return new HealthOutput(status, new HealthChecks(live, ready, progressing));
    }
}
