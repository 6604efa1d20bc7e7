namespace Hunyuan.Cluster.Services;

/// <summary>How long `up` waits for the agents to join, and an optional deployment once they have (`up --local --deploy`).</summary>
public sealed record UpOptions
{
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public DeployRequest? Deploy { get; init; }

    /// <summary>A new cluster CA, and with it new certificates for the operator and every node; each agent restarts with its new one.</summary>
    public bool RotateCertificates { get; init; }
}
