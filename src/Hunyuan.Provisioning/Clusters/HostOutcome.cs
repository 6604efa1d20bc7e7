namespace Hunyuan.Provisioning.Clusters;

/// <summary>What `up` or `down` did on one host; <see cref="Error"/> names the cause when something was not done.</summary>
public sealed record HostOutcome(
    string Address,
    int Line,
    string Role,
    string Node,
    string AdvertisedAddress,
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

/// <summary>The outcome of `up`: per host, and the agent bundle that is (or should be) running.</summary>
public sealed record ProvisionResult(string BundleId, IReadOnlyList<HostOutcome> Hosts)
{
    public bool AllOk => Hosts.All(h => h.Ok);

    public bool AnyChange => Hosts.Any(h => h.Changes.Count > 0);
}
