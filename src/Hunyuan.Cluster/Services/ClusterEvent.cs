namespace Hunyuan.Cluster.Services;

/// <summary>What kind of news a <see cref="ClusterEvent"/> is, so a renderer can lay it out (a host's step, a rank's load).</summary>
public enum ClusterEventKind
{
    Info,
    Host,
    Rank,
    Warning,
}

/// <summary>One rank's load as a deploy reports it: a renderer can draw a bar per rank from these.</summary>
public sealed record RankProgress(int Rank, string Node, int Gpu, string State, double LoadPercent);

/// <summary>
/// Progress of long work (up, down, deploy), reported as it happens; the CLI renders it, nothing here prints. A Rank
/// event carries every rank's state and load in <see cref="Ranks"/> besides its one-line message.
/// </summary>
public sealed record ClusterEvent(string Message, string? Host = null, ClusterEventKind Kind = ClusterEventKind.Info, IReadOnlyList<RankProgress>? Ranks = null)
{
    public static ClusterEvent ForHost(string host, string message) => new(message, host, ClusterEventKind.Host);

    public static ClusterEvent Warning(string message) => new(message, null, ClusterEventKind.Warning);
}
