namespace Hunyuan.Cluster.Services;

/// <summary>What kind of news a <see cref="ClusterEvent"/> is, so a renderer can lay it out (a host's step, a rank's load).</summary>
public enum ClusterEventKind
{
    Info,
    Host,
    Rank,
    Warning,
}

/// <summary>Progress of long work (up, down, deploy), reported as it happens; the CLI renders it, nothing here prints.</summary>
public sealed record ClusterEvent(string Message, string? Host = null, ClusterEventKind Kind = ClusterEventKind.Info)
{
    public static ClusterEvent ForHost(string host, string message) => new(message, host, ClusterEventKind.Host);

    public static ClusterEvent Warning(string message) => new(message, null, ClusterEventKind.Warning);
}
