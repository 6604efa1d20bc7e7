namespace Hunyuan.Cluster.State;

/// <summary>
/// Everything this machine knows about one cluster, in ~/.hyc/clusters/NAME/cluster.json: how clients reach it, which
/// runtime made it and what that runtime needs to find its processes again. One schema for every runtime, versioned;
/// no secrets (passwords and keys live in their own 0600 files).
/// </summary>
public sealed record ClusterState
{
    public const int CurrentVersion = 2;

    public int Version { get; init; } = CurrentVersion;

    public required string Name { get; init; }

    /// <summary>The runtime that made the cluster (<see cref="Runtimes.IClusterRuntime.Kind"/>): local, ssh-process or ssh-docker.</summary>
    public required string Runtime { get; init; }

    /// <summary>The Orleans cluster id.</summary>
    public string ClusterId { get; init; } = "hunyuan";

    public string ServiceId { get; init; } = "hyc";

    /// <summary>Silo gateways as host:port, the head's first.</summary>
    public IReadOnlyList<string> Gateways { get; init; } = [];

    /// <summary>The head's address.</summary>
    public string Head { get; init; } = "";

    public IReadOnlyList<ClusterHost> Hosts { get; init; } = [];

    /// <summary>SSH runtimes: the host list `up` was given (absolute path), which `deploy` and `down` read again.</summary>
    public string? Inventory { get; init; }

    /// <summary>SSH runtimes: the agent bundle installed on the hosts.</summary>
    public string? AgentBundle { get; init; }

    /// <summary>The local runtime: how many agents, their GPUs and ports, so `up` can restart a missing one as it was.</summary>
    public LocalLayout? Local { get; init; }

    /// <summary>OpenAI endpoints started for deployments.</summary>
    public IReadOnlyList<EndpointRecord> Endpoints { get; init; } = [];

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The head's gateway: the host whose role is head, else the first.</summary>
    public string HeadGateway
    {
        get
        {
            var index = Hosts.ToList().FindIndex(h => h.Role == "head");
            return index >= 0 && index < Gateways.Count ? Gateways[index] : Gateways.Count > 0 ? Gateways[0] : "";
        }
    }
}
