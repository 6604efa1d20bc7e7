using Hunyuan.Grains.Deployments;

namespace Hunyuan.Cluster.Services;

public enum DeployOutcome
{
    /// <summary>Ready (and the endpoint started, when asked).</summary>
    Ready,

    /// <summary>Placed; not waited for (--no-wait).</summary>
    Placed,

    Failed,

    TimedOut,
}

/// <summary>What deploy ended with: the outcome, the deployment's last status, and the endpoint's URL when one was started.</summary>
public sealed record DeployReport(DeployOutcome Outcome, DeploymentStatus Status, string? Endpoint, TimeSpan Elapsed);
