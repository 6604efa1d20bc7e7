using Hunyuan.Cluster.Logs;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Provisioning.Clusters;

namespace Hunyuan.Cluster.Tests.Fakes;

/// <summary>A runtime whose hosts and outcomes the test sets; it records what the service asked of it.</summary>
public sealed class FakeRuntime(string kind = ClusterRuntimeKinds.SshProcess, string cluster = "lab", bool rollsBack = false) : IClusterRuntime
{
    public string Kind => kind;

    public string ClusterName => cluster;

    public bool RollsBackFailedUp => rollsBack;

    public List<string> Calls { get; } = [];

    /// <summary>Nodes the next up reports, with their error (null: the agent is running).</summary>
    public Dictionary<string, string?> Nodes { get; } = new(StringComparer.Ordinal) { ["n0"] = null, ["n1"] = null };

    public bool ChangesSomething { get; set; } = true;

    public Task<RuntimeUp> UpAsync(ClusterStore store, ClusterState? existing, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        Calls.Add(existing is null ? "up (new)" : "up (existing)");
        var hosts = Nodes.Select((n, i) => new HostOutcome($"10.0.0.{i + 1}", i + 1, i == 0 ? "head" : "worker", n.Key, $"10.0.0.{i + 1}", true, null, "1 virtual",
            n.Value is null ? "running" : "failed", ChangesSomething && n.Value is null ? ["agent started"] : [], n.Value)).ToList();
        var state = new ClusterState
        {
            Name = cluster,
            Runtime = kind,
            ClusterId = cluster,
            Gateways = hosts.Select(h => $"{h.Address}:30000").ToArray(),
            Head = "10.0.0.1",
            Hosts = hosts.Select(h => new ClusterHost(h.Address, h.Role, h.Node, h.Gpus)).ToArray(),
            Endpoints = existing?.Endpoints ?? [],
        };
        return Task.FromResult(new RuntimeUp(state, hosts));
    }

    public Task<IReadOnlyList<HostOutcome>> DownAsync(ClusterStore store, ClusterState? state, bool purge, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        Calls.Add(purge ? "down --purge" : "down");
        return Task.FromResult<IReadOnlyList<HostOutcome>>(Nodes.Keys.Select(n => new HostOutcome("10.0.0.1", 1, "head", n, "10.0.0.1", true, null, "", "stopped", ["stopped the agent"], null)).ToList());
    }

    /// <summary>What OpenLogsAsync hands out; the test fills it.</summary>
    public List<LogHost> LogHosts { get; } = [];

    public Task<IReadOnlyList<LogHost>> OpenLogsAsync(ClusterStore store, ClusterState state, string? node, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LogHost>>(LogHosts.Where(h => node is null || h.Node == node).ToList());

    /// <summary>Every endpoint request the service made, in order.</summary>
    public List<EndpointRequest> EndpointRequests { get; } = [];

    public Task<EndpointRecord> EnsureEndpointAsync(ClusterStore store, ClusterState state, EndpointRequest request, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        EndpointRequests.Add(request);
        RunningEndpoints.Add(request.Deployment);
        Calls.Add($"endpoint {request.Deployment}:{request.Port}{(request.Heal ? " (heal)" : "")}");
        return Task.FromResult(new EndpointRecord(request.Deployment, $"http://10.0.0.1:{request.Port}/v1", EndpointNames.Process(request.Deployment)));
    }

    /// <summary>The deployments whose endpoint this fake runs: started by EnsureEndpointAsync, stopped by StopEndpointAsync.</summary>
    public HashSet<string> RunningEndpoints { get; } = new(StringComparer.Ordinal);

    public Task<bool> StopEndpointAsync(ClusterStore store, ClusterState state, string deployment, CancellationToken cancellationToken)
    {
        Calls.Add($"stop endpoint {deployment}");
        return Task.FromResult(RunningEndpoints.Remove(deployment));
    }
}
