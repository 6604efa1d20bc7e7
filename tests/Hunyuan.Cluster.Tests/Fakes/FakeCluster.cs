using Hunyuan.Cluster.Control;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Hunyuan.Grains.Nodes;

namespace Hunyuan.Cluster.Tests.Fakes;

/// <summary>
/// A cluster's control plane in memory: membership the test sets, and deployments whose statuses play back in order
/// (each read takes the next; the last one stays). Connecting fails while <see cref="Reachable"/> is false.
/// </summary>
public sealed class FakeCluster : IClusterConnector
{
    private readonly Dictionary<string, Queue<DeploymentStatus>> _script = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeploymentStatus> _current = new(StringComparer.Ordinal);

    public bool Reachable { get; set; } = true;

    public List<NodeMembership> Members { get; } = [];

    /// <summary>When set, each membership read asks it instead of <see cref="Members"/> (membership that follows processes).</summary>
    public Func<IReadOnlyList<NodeMembership>>? MembersSource { get; set; }

    public List<DeploymentSpec> Deployed { get; } = [];

    public List<ClusterConnection> Connections { get; } = [];

    /// <summary>Every name a remove was asked for.</summary>
    public List<string> Removed { get; } = [];

    /// <summary>Called with the name as a remove begins, for tests that check what happened before it.</summary>
    public Action<string>? Removing { get; set; }

    public static DeploymentStatus Status(string name, DeploymentState state, string reason = "", string model = "/models/m", string variant = "bf16") =>
        new(name, model, variant, 1, 2, state, reason, [], state == DeploymentState.Ready ? DateTimeOffset.UtcNow : null, null, null, null, 1, "TP1 x PP2");

    public void Alive(params string[] nodes) => Members.AddRange(nodes.Select((n, i) => new NodeMembership(n, i == 0, "alive", $"S127.0.0.1:{11111 + i}:1", "127.0.0.1")));

    /// <summary>What DeployAsync returns first, then what each status read returns.</summary>
    public void Script(string name, params DeploymentStatus[] statuses) => _script[name] = new Queue<DeploymentStatus>(statuses);

    public void Existing(DeploymentStatus status) => _current[status.Name] = status;

    public Task<IClusterControl> ConnectAsync(ClusterConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Connections.Add(connection);
        return Reachable
            ? Task.FromResult<IClusterControl>(new Control(this))
            : throw new ClusterUnreachableException($"cannot reach the cluster '{connection.ClusterId}' through gateway(s) {string.Join(", ", connection.Gateways)}: refused");
    }

    private DeploymentStatus? Next(string name)
    {
        if (_script.TryGetValue(name, out var q) && q.Count > 0)
        {
            _current[name] = q.Count > 1 ? q.Dequeue() : q.Peek();
        }

        return _current.GetValueOrDefault(name);
    }

    private sealed class Control(FakeCluster cluster) : IClusterControl
    {
        public IGrainFactory Grains => throw new NotSupportedException("the fake cluster has no grains");

        public Task<IReadOnlyList<NodeMembership>> MembersAsync(CancellationToken cancellationToken) => Task.FromResult(cluster.MembersSource?.Invoke() ?? cluster.Members.ToList());

        public Task<NodeReport?> NodeReportAsync(string node, CancellationToken cancellationToken) =>
            Task.FromResult<NodeReport?>(new NodeReport(node, "127.0.0.1", [new GpuInfo(0, "v0", "virtual", 4L << 30, null, null, true)], null, 0, 0, DateTimeOffset.UtcNow, "test", false));

        public Task<IReadOnlyList<string>> DeploymentNamesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>(cluster._current.Keys.ToList());

        public Task<DeploymentStatus?> DeploymentAsync(string name, CancellationToken cancellationToken) => Task.FromResult(cluster.Next(name));

        public Task<DeploymentStatus> DeployAsync(DeploymentSpec spec, CancellationToken cancellationToken)
        {
            cluster.Deployed.Add(spec);
            return Task.FromResult(cluster.Next(spec.Name) ?? throw new InvalidOperationException($"the test scripted no status for {spec.Name}"));
        }

        public Task RemoveAsync(string name, CancellationToken cancellationToken)
        {
            cluster.Removing?.Invoke(name);
            cluster.Removed.Add(name);
            cluster._script.Remove(name);
            cluster._current.Remove(name);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
