using System.Globalization;
using System.Runtime.CompilerServices;
using Hunyuan.Cluster.Control;
using Hunyuan.Cluster.Monitoring;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Status;
using Hunyuan.Cluster.Tls;
using Hunyuan.Engine.Security;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Hunyuan.Grains.Ranks;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cluster.Services;

/// <summary>
/// The application layer: up, down, deploy, status and health for any runtime. It locks, waits, keeps the state file
/// and reports progress through <see cref="IProgress{T}"/>; it never prints. Every external effect comes through a seam
/// (runtime, connector, endpoint probe, model resolver, clock), so its logic is tested with fakes.
/// </summary>
public sealed partial class ClusterService(
    string hycHome,
    IClusterConnector connector,
    IEndpointProbe endpoints,
    IModelResolver models,
    TimeProvider time,
    Func<ClusterState, IClusterRuntime>? runtimeOf = null)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan EndpointReadyTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan MembershipReadTimeout = TimeSpan.FromSeconds(20);

    private readonly Func<ClusterState, IClusterRuntime> _runtimeOf = runtimeOf ?? (s => ClusterRuntimes.FromState(s));

    /// <summary>The service as the CLI uses it: Orleans, HTTP, the real clock, ~/.hyc.</summary>
    public static ClusterService CreateDefault() =>
        new(HycHome.Path, new OrleansClusterConnector(), new HttpEndpointProbe(TimeProvider.System), new BuiltInModelResolver(), TimeProvider.System);

    public ClusterStore Store(string name) => new(hycHome, name);

    /// <summary>The runtime that made a cluster, to manage it again.</summary>
    public IClusterRuntime RuntimeOf(ClusterState state) => _runtimeOf(state);

    /// <summary>A cluster's state, or Unreachable naming the missing file.</summary>
    public ClusterState StateOf(string cluster) => Store(cluster).Read() ?? throw new ClusterException(ClusterFailure.Unreachable,
        $"no cluster '{cluster}': {Store(cluster).StateFile} does not exist (run `hyc up`)");

    public async Task<UpReport> UpAsync(IClusterRuntime runtime, UpOptions options, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var store = Store(runtime.ClusterName);
        using var held = store.TryLock() ?? throw new ClusterException(ClusterFailure.Busy,
            $"another `hyc up` or `hyc down` of cluster '{runtime.ClusterName}' is running (it holds {Path.Combine(store.Directory, ".lock")}); wait for it to finish");
        var existing = store.Read();
        if (existing is not null && existing.Runtime != runtime.Kind)
        {
            throw new ClusterException(ClusterFailure.InvalidArguments,
                $"cluster '{runtime.ClusterName}' was made with the {existing.Runtime} runtime, not {runtime.Kind}; stop it with `hyc down` first");
        }

        var report = await UpLockedAsync(runtime, store, existing, options, progress, cancellationToken);
        if (!report.Ok && existing is null && runtime.RollsBackFailedUp)
        {
            progress.Report(new ClusterEvent("stopping what was started (`hyc down` would do the same)"));
            await DownLockedAsync(runtime, store, purge: false, progress, CancellationToken.None);
        }

        return report;
    }

    public async Task<DownReport> DownAsync(IClusterRuntime runtime, bool purge, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var store = Store(runtime.ClusterName);
        using var held = store.TryLock() ?? throw new ClusterException(ClusterFailure.Busy,
            $"another `hyc up` or `hyc down` of cluster '{runtime.ClusterName}' is running (it holds {Path.Combine(store.Directory, ".lock")}); wait for it to finish");
        return await DownLockedAsync(runtime, store, purge, progress, cancellationToken);
    }

    public async Task<DeployReport> DeployAsync(ClusterTarget target, DeployRequest request, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var apiKey = ApiKeyOf(request.ApiKeyEnv);
        var (connection, state, store) = Resolve(target);
        if (request.Https && request.Serve && (state is null || state.Runtime == ClusterRuntimeKinds.Local))
        {
            throw new ClusterException(ClusterFailure.InvalidArguments, "--https is for clusters made from a host list: this endpoint listens on 127.0.0.1 of this machine");
        }

        string? keyFile = null;
        if (apiKey is null && request.Serve && state is not null && state.Runtime != ClusterRuntimeKinds.Local)
        {
            // The endpoint listens on the head's cluster address, which others can reach: never without a key.
            keyFile = store.ApiKeyFile;
            (apiKey, var created) = ApiKeyFile.Ensure(keyFile);
            progress.Report(new ClusterEvent(created
                ? $"generated an API key for the endpoint (clients send it as Authorization: Bearer KEY); read it with: cat {keyFile}"
                : $"the endpoint keeps its API key; read it with: cat {keyFile}"));
        }

        var model = models.Resolve(request.Model, progress);
        var name = request.Name ?? Path.GetFileName(model.Path.TrimEnd('/'));
        var spec = new DeploymentSpec(name, model.Path, request.Variant, request.DType, request.Tp, request.Pp, request.Experts,
            MaxModelLen: request.MaxModelLen, Fp8ExactDequantize: request.Fp8ExactDequantize, BuiltInModel: model.BuiltIn);

        await using var control = await ConnectAsync(connection, request.ConnectTimeout, cancellationToken);
        var started = time.GetTimestamp();
        var current = request.KeepReady ? await control.DeploymentAsync(name, cancellationToken) : null;
        DeploymentStatus status;
        if (current is { State: DeploymentState.Ready } && current.Model == spec.ModelPath && current.Variant == spec.Variant)
        {
            status = current;
            progress.Report(new ClusterEvent($"deployment {name} already ready ({current.Variant}, TP{current.Tp} x PP{current.Pp}); left as it is"));
        }
        else
        {
            status = await control.DeployAsync(spec, cancellationToken);
            progress.Report(new ClusterEvent($"deployment {name}: {status.PlanText}"));
        }

        if (status.State == DeploymentState.Failed || !request.Wait)
        {
            return new DeployReport(status.State == DeploymentState.Failed ? DeployOutcome.Failed : DeployOutcome.Placed, status, null, time.GetElapsedTime(started));
        }

        var last = "";
        while (true)
        {
            status = await control.DeploymentAsync(name, cancellationToken) ?? status;
            var line = string.Join("  ", status.Ranks.Select(k => string.Create(CultureInfo.InvariantCulture,
                $"r{k.Rank}@{k.Node}:{(k.State == RankState.Loading ? $"{k.LoadPercent:F0}%" : k.State.ToString().ToLowerInvariant())}")));
            if (line != last)
            {
                progress.Report(new ClusterEvent(string.Create(CultureInfo.InvariantCulture, $"[{time.GetElapsedTime(started).TotalSeconds,5:F1}s] {status.State.ToString().ToLowerInvariant()}: {line}"), null, ClusterEventKind.Rank,
                    status.Ranks.Select(k => new RankProgress(k.Rank, k.Node, k.Gpu, k.State.ToString().ToLowerInvariant(), k.LoadPercent)).ToArray()));
                last = line;
            }

            if (status.State == DeploymentState.Ready)
            {
                break;
            }

            if (status.State == DeploymentState.Failed)
            {
                return new DeployReport(DeployOutcome.Failed, status, null, time.GetElapsedTime(started));
            }

            if (time.GetElapsedTime(started) > request.Timeout)
            {
                return new DeployReport(DeployOutcome.TimedOut, status, null, time.GetElapsedTime(started));
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }

        var elapsed = time.GetElapsedTime(started);
        progress.Report(new ClusterEvent(string.Create(CultureInfo.InvariantCulture, $"deployment {name} ready in {elapsed.TotalSeconds:F1} s: {status.Reason}")));
        string? url = null;
        if (request.Serve)
        {
            var endpoint = await EnsureEndpointAsync(target, state, store, new EndpointRequest(name, request.ServePort, request.ApiKeyEnv, ApiKeyFile: keyFile, Https: request.Https), progress, cancellationToken);
            url = endpoint.Url;
            var root = new Uri(url[..url.LastIndexOf("/v1", StringComparison.Ordinal)]);
            var authority = request.Https ? new ClusterTlsFiles(store.TlsDirectory).AuthorityCertificate : null;
            progress.Report(await endpoints.WaitReadyAsync(root, apiKey, EndpointReadyTimeout, cancellationToken, authority)
                ? new ClusterEvent($"OpenAI endpoint ready: {url}")
                : ClusterEvent.Warning(string.Create(CultureInfo.InvariantCulture, $"{url} did not answer /health/ready from here within {EndpointReadyTimeout.TotalSeconds:F0} s (it may still be loading, or a firewall is between this machine and the endpoint)")));
        }

        return new DeployReport(DeployOutcome.Ready, status, url, elapsed);
    }

    public async Task<ClusterStatus> StatusAsync(ClusterTarget target, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var (connection, _, _) = Resolve(target);
        await using var control = await ConnectAsync(connection, connectTimeout, cancellationToken);
        return await ClusterStatusReader.ReadAsync(control, target.Name, cancellationToken);
    }

    /// <summary>One status read per interval on one connection, until cancelled.</summary>
    public async IAsyncEnumerable<ClusterStatus> WatchAsync(ClusterTarget target, TimeSpan connectTimeout, TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (connection, _, _) = Resolve(target);
        await using var control = await ConnectAsync(connection, connectTimeout, cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            yield return await ClusterStatusReader.ReadAsync(control, target.Name, cancellationToken);
            try
            {
                await Task.Delay(interval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>Health never throws for an unreachable cluster: that is the "down" answer.</summary>
    public async Task<HealthOutput> HealthAsync(ClusterTarget target, TimeSpan deadline, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        try
        {
            var status = await StatusAsync(target, connectTimeout, cancellationToken);
            return ClusterHealth.Evaluate(status, deadline, time.GetUtcNow());
        }
        catch (ClusterException e) when (e.Failure == ClusterFailure.Unreachable)
        {
            return HealthOutput.Unreachable(e.Message);
        }
    }

    /// <summary>A connection to the cluster's control plane, for commands that drive grains themselves (serve, bench).</summary>
    public Task<IClusterControl> ConnectAsync(ClusterTarget target, TimeSpan timeout, CancellationToken cancellationToken) =>
        ConnectAsync(Resolve(target).Connection, timeout, cancellationToken);

    private async Task<UpReport> UpLockedAsync(IClusterRuntime runtime, ClusterStore store, ClusterState? existing, UpOptions options, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var rolling = PrepareRotation(store, existing, options.RotateCertificates, progress);

        // During a roll this pass moves no certificate: it pushes the trust bundle and starts only what is missing.
        store.Renewal = rolling ? CertificateRenewal.None : CertificateRenewal.Any;
        RuntimeUp up;
        try
        {
            up = await runtime.UpAsync(store, existing, progress, cancellationToken);
        }
        finally
        {
            store.Renewal = CertificateRenewal.Any;
        }

        var connection = ConnectionOf(up, store);
        var joined = await WaitForJoinAsync(connection, ExpectedNodes(up), options.JoinTimeout, progress, cancellationToken);
        if (rolling)
        {
            if (up.Hosts.All(h => h.Ok && joined.Contains(h.Node)))
            {
                up = await RollCertificatesAsync(runtime, store, up, connection, options.JoinTimeout, progress, cancellationToken);
                connection = ConnectionOf(up, store);
                joined = await WaitForJoinAsync(connection, ExpectedNodes(up), options.JoinTimeout, progress, cancellationToken);
            }
            else
            {
                progress.Report(ClusterEvent.Warning($"the certificate rotation waits for every node to be alive; the cluster trusts the old and the new CA meanwhile. Run `hyc up` again once the hosts above are fixed: it finishes the rotation"));
            }
        }

        var state = up.State with { UpdatedAt = time.GetUtcNow() };
        if (connection.Gateways.Count > 0)
        {
            store.Write(state);
            PrometheusConfig.Write(store, state);
        }

        var hosts = up.Hosts.Select(h => new UpHost(h, !h.Ok ? "failed" : joined.Contains(h.Node) ? "alive" : "not joined")).ToList();
        var ok = hosts.All(h => h.State == "alive");
        if (ok)
        {
            await HealEndpointsAsync(runtime, store, state, progress, cancellationToken);
        }

        DeployReport? deployment = null;
        if (ok && options.Deploy is { } deploy)
        {
            deployment = await DeployAsync(ClusterTarget.Named(store.Name), deploy, progress, cancellationToken);
            ok = deployment.Outcome is DeployOutcome.Ready or DeployOutcome.Placed;
        }

        return new UpReport(store.Name, runtime.Kind, ok, up.Changed || rolling, state.AgentBundle, hosts, deployment, deployment?.Endpoint);
    }

    // The hosts whose agents should be seen in membership, and how to reach them.
    private static ClusterConnection ConnectionOf(RuntimeUp up, ClusterStore store) =>
        new(up.State.ClusterId, up.State.ServiceId, ExpectedGateways(up), TlsDirectory: store.TlsDirectory);

    private static string[] ExpectedGateways(RuntimeUp up) =>
        [.. up.Hosts.Select((h, i) => (Host: h, Gateway: i < up.State.Gateways.Count ? up.State.Gateways[i] : null)).Where(x => x.Host.AgentExpected && x.Gateway is not null).Select(x => x.Gateway!)];

    private static List<string> ExpectedNodes(RuntimeUp up) =>
        [.. up.Hosts.Where((h, i) => h.AgentExpected && i < up.State.Gateways.Count).Select(h => h.Node)];

    private static async Task<DownReport> DownLockedAsync(IClusterRuntime runtime, ClusterStore store, bool purge, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var state = store.Read();
        var hosts = await runtime.DownAsync(store, state, purge, progress, cancellationToken);
        var ok = hosts.All(h => h.Ok);
        return new DownReport(store.Name, ok, hosts, ok ? store.Remove(purge) : []);
    }

    // An endpoint that `deploy` started and that is no longer running (its supervisor gone too) is started again.
    private static async Task HealEndpointsAsync(IClusterRuntime runtime, ClusterStore store, ClusterState state, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        foreach (var e in state.Endpoints.Where(e => e.Port > 0))
        {
            try
            {
                await runtime.EnsureEndpointAsync(store, state, new EndpointRequest(e.Deployment, e.Port, e.ApiKeyEnv, Heal: true, ApiKeyFile: e.ApiKeyEnv is null && File.Exists(store.ApiKeyFile) ? store.ApiKeyFile : null,
                    Https: e.Url.StartsWith("https:", StringComparison.Ordinal)), progress, cancellationToken);
            }
            catch (ClusterException ex)
            {
                progress.Report(ClusterEvent.Warning($"the endpoint of {e.Deployment} could not be started again: {ex.Message}"));
            }
        }
    }

    private async Task<EndpointRecord> EnsureEndpointAsync(ClusterTarget target, ClusterState? state, ClusterStore store, EndpointRequest request, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        if (state is null)
        {
            // A cluster reached by --gateway: its endpoint runs here, supervised like a local cluster's.
            var processes = GatewayEndpointProcesses(store);
            List<string> args = [.. target.Gateways.SelectMany(g => new[] { "--gateway", g }), "--cluster-id", target.ClusterId];
            if (target.TlsDirectory is { } tlsDirectory)
            {
                args.AddRange(["--tls-dir", tlsDirectory, "--tls-identity", target.TlsIdentity]);
            }

            return await new LocalEndpointLauncher(processes, new LoopbackPortProbe(), args).EnsureAsync(request, progress, cancellationToken);
        }

        var record = await _runtimeOf(state).EnsureEndpointAsync(store, state, request, progress, cancellationToken);
        record = record with { Port = request.Port, ApiKeyEnv = request.ApiKeyEnv };
        var current = store.Read() ?? state;
        var updated = current with { Endpoints = [.. current.Endpoints.Where(e => e.Deployment != record.Deployment), record], UpdatedAt = time.GetUtcNow() };
        store.Write(updated);
        PrometheusConfig.Write(store, updated);
        return record;
    }

    private async Task<HashSet<string>> WaitForJoinAsync(ClusterConnection connection, IReadOnlyList<string> nodes, TimeSpan timeout, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var alive = new HashSet<string>(StringComparer.Ordinal);
        if (nodes.Count == 0)
        {
            return alive;
        }

        var started = time.GetTimestamp();
        progress.Report(new ClusterEvent(string.Create(CultureInfo.InvariantCulture, $"waiting for {nodes.Count} agent(s) to join (up to {timeout.TotalSeconds:F0} s)")));
        while (time.GetElapsedTime(started) < timeout)
        {
            try
            {
                await using var control = await connector.ConnectAsync(connection, TimeSpan.FromSeconds(10), cancellationToken);
                while (time.GetElapsedTime(started) < timeout)
                {
                    alive = (await MembersAsync(control, cancellationToken)).Where(m => m.State == "alive").Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
                    if (nodes.All(alive.Contains))
                    {
                        progress.Report(new ClusterEvent(string.Create(CultureInfo.InvariantCulture, $"all {nodes.Count} agent(s) joined in {time.GetElapsedTime(started).TotalSeconds:F1} s")));
                        return alive;
                    }

                    await Task.Delay(PollInterval, time, cancellationToken);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                // Unreachable, or a gateway that went away under this client (an agent restarting): connect again.
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
        }

        return alive;
    }

    // One membership read, bounded: a request that went out through a gateway that died meanwhile would otherwise
    // wait for the client's whole response timeout (minutes).
    private async Task<IReadOnlyList<NodeMembership>> MembersAsync(IClusterControl control, CancellationToken cancellationToken) =>
        await control.MembersAsync(cancellationToken).WaitAsync(MembershipReadTimeout, time, cancellationToken);

    private (ClusterConnection Connection, ClusterState? State, ClusterStore Store) Resolve(ClusterTarget target)
    {
        var store = Store(target.Name);
        if (target.Gateways.Count > 0)
        {
            return (new ClusterConnection(target.ClusterId, "hyc", target.Gateways, TlsDirectory: target.TlsDirectory, TlsIdentity: target.TlsIdentity), null, store);
        }

        var state = store.Read() ?? throw new ClusterException(ClusterFailure.Unreachable,
            $"no cluster '{target.Name}': {store.StateFile} does not exist (run `hyc up`, or pass --gateway host:port)");
        // A cluster `up` made always speaks TLS: its clients use its TLS directory unless told another.
        return (new ClusterConnection(state.ClusterId, state.ServiceId, state.Gateways, TlsDirectory: target.TlsDirectory ?? store.TlsDirectory, TlsIdentity: target.TlsIdentity), state, store);
    }

    private async Task<IClusterControl> ConnectAsync(ClusterConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await connector.ConnectAsync(connection, timeout, cancellationToken);
        }
        catch (ClusterUnreachableException e)
        {
            throw new ClusterException(ClusterFailure.Unreachable, e.Message);
        }
        catch (ArgumentException e)
        {
            throw new ClusterException(ClusterFailure.InvalidArguments, e.Message);
        }
    }

    private static string? ApiKeyOf(string? env)
    {
        if (env is null)
        {
            return null;
        }

        return Environment.GetEnvironmentVariable(env) is { Length: > 0 } key
            ? key
            : throw new ClusterException(ClusterFailure.InvalidArguments, $"--api-key-env {env}: that environment variable is not set");
    }
}
