namespace Hunyuan.Cluster.Services;

/// <summary>An expected failure of the application layer: the message says what and, where it can, what to do.</summary>
public sealed class ClusterException(ClusterFailure failure, string message) : Exception(message)
{
    public ClusterFailure Failure { get; } = failure;
}
