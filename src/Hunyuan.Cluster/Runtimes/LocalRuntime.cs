using System.Globalization;
using Hunyuan.Cluster.Logs;
using Hunyuan.Engine.Security;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Tls;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;
using Hunyuan.Provisioning.Clusters;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>
/// `up --local`: agents local-0..N-1 as supervised processes on this machine (localhost clustering, no SSH, no Redis,
/// virtual GPUs computed on the CPU), and endpoints on 127.0.0.1. The agents speak mutual TLS as a host list's do:
/// certificates from the cluster CA (127.0.0.1 and localhost in each node's SAN), in the cluster's TLS directory. `up`
/// on an existing cluster starts only what is missing or dead, keeping the cluster's recorded shape.
/// </summary>
public sealed class LocalRuntime(LocalClusterOptions options, IManagedProcesses processes, IPortProbe ports, TimeProvider time, IHostShell? shell = null) : IClusterRuntime
{
    public const string ClusterId = "hunyuan";

    /// <summary>What each local node's certificate names: its clients reach it as either.</summary>
    public static readonly IReadOnlyList<string> LoopbackNames = ["127.0.0.1", "localhost"];

    public string Kind => ClusterRuntimeKinds.Local;

    public string ClusterName => "local";

    public bool RollsBackFailedUp => true;

    public static string AgentProcess(int node) => "agent-" + LocalLayout.NodeName(node);

    public static string AgentMarker(int node) => "agent --node " + LocalLayout.NodeName(node);

    public async Task<RuntimeUp> UpAsync(ClusterStore store, ClusterState? existing, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        options.Validate();
        var layout = LayoutFor(existing, progress);
        using var tls = store.Tls(time);
        tls.EnsureClient();
        for (var i = 0; i < layout.Nodes; i++)
        {
            tls.EnsureNode(LocalLayout.NodeName(i), LoopbackNames);
        }

        foreach (var change in tls.Changes)
        {
            progress.Report(new ClusterEvent($"TLS: {change} in {store.TlsDirectory}"));
        }

        var hosts = new List<HostOutcome>();
        for (var i = 0; i < layout.Nodes; i++)
        {
            hosts.Add(await EnsureAgentAsync(layout, i, store.TlsDirectory, tls.HostFiles(LocalLayout.NodeName(i)).Spec, progress, cancellationToken));
            if (i == 0 && !hosts[0].Ok)
            {
                // The others would only wait for a head that is not there.
                hosts.AddRange(Enumerable.Range(1, layout.Nodes - 1).Select(n => Report(layout, n, "not started", [], $"not started: the head {LocalLayout.NodeName(0)} did not start")));
                break;
            }
        }

        var state = new ClusterState
        {
            Name = store.Name,
            Runtime = Kind,
            ClusterId = ClusterId,
            Gateways = Enumerable.Range(0, layout.Nodes).Select(i => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{layout.GatewayPort(i)}")).ToArray(),
            Head = "127.0.0.1",
            Hosts = Enumerable.Range(0, layout.Nodes).Select(i => new ClusterHost("127.0.0.1", i == 0 ? "head" : "worker", LocalLayout.NodeName(i), $"{layout.GpusPerNode} virtual", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{layout.MetricsPort(i)}"))).ToArray(),
            Local = layout,
            Endpoints = existing?.Endpoints ?? [],
        };
        return new RuntimeUp(state, hosts);
    }

    public async Task<IReadOnlyList<HostOutcome>> DownAsync(ClusterStore store, ClusterState? state, bool purge, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var names = await processes.ListAsync(cancellationToken);
        var endpoints = names.Where(n => n.StartsWith("serve-", StringComparison.Ordinal)).ToList();
        var changes = new List<string>();
        foreach (var endpoint in endpoints)
        {
            if (await processes.StopAsync(endpoint, LocalEndpointLauncher.Marker, options.StopGrace, cancellationToken))
            {
                changes.Add($"stopped {endpoint}");
                progress.Report(new ClusterEvent($"stopped the endpoint {endpoint["serve-".Length..]}"));
            }
        }

        // Workers first, the head (which holds membership) last.
        var nodes = Math.Max(state?.Local?.Nodes ?? 0, names.Count(n => n.StartsWith("agent-local-", StringComparison.Ordinal)));
        var reports = new List<HostOutcome>();
        for (var i = nodes - 1; i >= 0; i--)
        {
            var stopped = await processes.StopAsync(AgentProcess(i), AgentMarker(i), options.StopGrace, cancellationToken);
            if (stopped)
            {
                progress.Report(new ClusterEvent($"stopped agent {LocalLayout.NodeName(i)}"));
            }

            reports.Insert(0, new HostOutcome("127.0.0.1", 0, i == 0 ? "head" : "worker", LocalLayout.NodeName(i), "127.0.0.1", true, null, "", "stopped",
                [.. stopped ? [$"stopped agent {LocalLayout.NodeName(i)}"] : Array.Empty<string>(), .. i == 0 ? changes : []], null));
        }

        return reports;
    }

    public Task<IReadOnlyList<LogHost>> OpenLogsAsync(ClusterStore store, ClusterState state, string? node, CancellationToken cancellationToken)
    {
        // One directory holds every node's logs: agent-local-N.log is node local-N's, the endpoints' are the head's.
        var here = shell ?? new LocalShell();
        var nodes = Enumerable.Range(0, state.Local?.Nodes ?? state.Hosts.Count).Select(LocalLayout.NodeName).Where(n => node is null || n == node);
        return Task.FromResult<IReadOnlyList<LogHost>>(nodes.Select(n => new LogHost(n, here, null,
            file => file == $"agent-{n}.log" || (n == LocalLayout.NodeName(0) && !file.StartsWith("agent-", StringComparison.Ordinal)))).ToList());
    }

    public Task<EndpointRecord> EnsureEndpointAsync(ClusterStore store, ClusterState state, EndpointRequest request, IProgress<ClusterEvent> progress, CancellationToken cancellationToken) =>
        new LocalEndpointLauncher(processes, ports, ["--cluster", store.Name], FileSpec.Of(new ClusterTlsFiles(store.TlsDirectory).Certificate(ClusterTlsFiles.ClientIdentity))).EnsureAsync(request, progress, cancellationToken);

    // A local endpoint reads its key from the environment it was started with: no key file to remove.
    public Task<bool> StopEndpointAsync(ClusterStore store, ClusterState state, string deployment, CancellationToken cancellationToken) =>
        processes.StopAsync(EndpointNames.Process(deployment), LocalEndpointLauncher.Marker, options.StopGrace, cancellationToken);

    private LocalLayout LayoutFor(ClusterState? existing, IProgress<ClusterEvent> progress)
    {
        var requested = new LocalLayout(options.Nodes, options.GpusPerNode, options.GpuMemoryBytes, options.BasePort);
        if (existing?.Local is not { } recorded)
        {
            return requested;
        }

        // A cluster of an earlier version did not record its GPUs: this run's options fill them in.
        var layout = recorded.GpusPerNode > 0 ? recorded : recorded with { GpusPerNode = requested.GpusPerNode, GpuMemoryBytes = requested.GpuMemoryBytes };
        if (layout != requested)
        {
            progress.Report(ClusterEvent.Warning($"the local cluster exists with {layout.Nodes} node(s) x {layout.GpusPerNode} virtual GPU(s) from port {layout.BasePort}; keeping that shape (`hyc down --local` first to change it)"));
        }

        return layout;
    }

    private async Task<HostOutcome> EnsureAgentAsync(LocalLayout layout, int i, string tlsDirectory, string tlsSpec, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var node = LocalLayout.NodeName(i);
        List<string> args =
        [
            "agent", "--node", node, "--silo-port", Str(layout.SiloPort(i)), "--gateway-port", Str(layout.GatewayPort(i)), "--metrics-port", Str(layout.MetricsPort(i)), "--primary-port", Str(layout.SiloPort(0)),
            "--virtual-gpus", Str(layout.GpusPerNode), "--virtual-gpu-memory", Str(layout.GpuMemoryBytes), "--tls-dir", tlsDirectory,
        ];
        if (i == 0)
        {
            args.Add("--head");
        }

        // The agents share this machine's cores: a share each, or every agent's thread pool spins on all of them.
        if (layout.Nodes > 1)
        {
            args.AddRange(["--torch-threads", Str(options.TorchThreadsPerAgent(layout.Nodes))]);
        }

        // New certificates (a rotation, a renewal) restart the agent, as new arguments do.
        var spec = BundleCommand.Spec([.. args, tlsSpec]);
        var name = AgentProcess(i);
        var current = await processes.StatusAsync(name, AgentMarker(i), cancellationToken);
        if (!current.Running)
        {
            var busy = new[] { layout.SiloPort(i), layout.GatewayPort(i), layout.MetricsPort(i) }.Where(p => !ports.IsFree(p)).ToArray();
            if (busy.Length > 0)
            {
                return Report(layout, i, "not started", [], $"port {string.Join(", ", busy)} on 127.0.0.1 is in use by another process (choose --base-port)");
            }
        }

        var (action, pid) = await processes.EnsureAsync(name, AgentMarker(i), args, spec, cancellationToken);
        if (action == ProcessAction.Unchanged)
        {
            progress.Report(ClusterEvent.ForHost(node, $"agent running (pid {pid}), unchanged"));
            return Report(layout, i, "running", [], null);
        }

        var verb = action == ProcessAction.Restarted ? "restarted" : "started";
        progress.Report(ClusterEvent.ForHost(node, $"agent {verb} (pid {pid}, silo {layout.SiloPort(i)}, gateway {layout.GatewayPort(i)}, {layout.GpusPerNode} virtual GPUs; log {processes.LogOf(name)})"));
        if (i == 0 && !await WaitListeningAsync(layout.SiloPort(0), cancellationToken))
        {
            return Report(layout, i, verb, [$"agent {verb} (pid {pid})"], $"the head's silo did not listen on 127.0.0.1:{layout.SiloPort(0)} within {options.StartTimeout.TotalSeconds:F0} s; see {processes.LogOf(name)}");
        }

        return Report(layout, i, verb, [$"agent {verb} (pid {pid}; log {processes.LogOf(name)})"], null);
    }

    // The other silos join through the head's silo port, so it must be listening before they start.
    private async Task<bool> WaitListeningAsync(int port, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (!await ports.IsListeningAsync(port, cancellationToken))
        {
            if (time.GetElapsedTime(started) > options.StartTimeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }

        return true;
    }

    private static HostOutcome Report(LocalLayout layout, int i, string agent, IReadOnlyList<string> changes, string? error) =>
        new("127.0.0.1", 0, i == 0 ? "head" : "worker", LocalLayout.NodeName(i), "127.0.0.1", true, null, $"{layout.GpusPerNode} virtual", agent, changes, error);

    private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);
}
