namespace Hunyuan.Cluster.Logs;

/// <summary>`hyc logs`: one node or all, lines since a time (by the timestamps lines carry), and whether to keep following.</summary>
public sealed record LogQuery(string? Node = null, DateTimeOffset? Since = null, bool Follow = false)
{
    /// <summary>How often a followed log is read again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
}
