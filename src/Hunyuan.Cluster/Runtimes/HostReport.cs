namespace Hunyuan.Cluster.Runtimes;

/// <summary>What `up` or `down` found and did on one host (a local agent counts as one); <see cref="Error"/> names the cause when something was not done.</summary>
public sealed record HostReport(
    string Address,
    int Line,
    string Role,
    string Node,
    bool Reachable,
    string? HostKey,
    string Gpus,
    string Agent,
    IReadOnlyList<string> Changes,
    string? Error)
{
    public bool Ok => Error is null;

    /// <summary>The agent was left running (started, restarted or found running) and should be seen in membership.</summary>
    public bool AgentExpected => Ok && Agent is "running" or "started" or "restarted";
}
