namespace Hunyuan.Cluster.Services;

/// <summary>How long `up` waits for the agents to join, and an optional deployment once they have (`up --local --deploy`).</summary>
public sealed record UpOptions
{
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public DeployRequest? Deploy { get; init; }

    /// <summary>A new cluster CA, and with it new certificates for the operator and every node, rolled out one agent at a time (<see cref="ClusterService"/>'s rotation).</summary>
    public bool RotateCertificates { get; init; }
}
