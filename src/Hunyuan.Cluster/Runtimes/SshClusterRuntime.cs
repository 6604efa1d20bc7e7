using System.Globalization;
using System.Text;
using Hunyuan.Cluster.Logs;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Tls;
using Hunyuan.Provisioning.Agents;
using Hunyuan.Provisioning.Clusters;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Redis;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;
using Hunyuan.Provisioning.Tls;
using Hunyuan.Engine.Security;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>
/// A cluster from a host list, over SSH with pinned host keys: the provisioner on every host for `up`, the teardown for
/// `down`, and the endpoint on the head node (from the installed bundle, listening on the head's address). The two kinds
/// differ only in where the agent runs on a host (the host list's runtime kind).
/// </summary>
public abstract class SshClusterRuntime(HostInventory inventory, string inventoryPath, SshRuntimeOptions options) : IClusterRuntime
{
    public abstract string Kind { get; }

    public string ClusterName => inventory.Cluster;

    public bool RollsBackFailedUp => false;

    public HostInventory Inventory => inventory;

    public async Task<RuntimeUp> UpAsync(ClusterStore store, ClusterState? existing, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        options.Validate();
        foreach (var warning in inventory.Warnings)
        {
            progress.Report(ClusterEvent.Warning(warning));
        }

        var (key, created) = store.LoadOrCreateKey();
        progress.Report(new ClusterEvent($"cluster '{inventory.Cluster}' from {inventoryPath}: {inventory.Hosts.Count} host(s), head {inventory.Head}, runtime {inventory.Runtime.Kind}; cluster key {key.Fingerprint}{(created ? " (new)" : "")}"));
        AgentBundle bundle;
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            bundle = AgentBundle.ForThisProcess(withoutLibTorch: inventory.Runtime.LibTorchDir is not null);
        }
        catch (IOException e)
        {
            throw new ClusterException(ClusterFailure.FileError, $"cannot build the agent bundle: {e.Message}");
        }

        progress.Report(new ClusterEvent(string.Create(CultureInfo.InvariantCulture,
            $"agent bundle {bundle.Id}: hyc{(inventory.Runtime.LibTorchDir is { } lib ? $" without libtorch (the hosts load {lib})" : "")} and the .NET {Environment.Version} runtime, {bundle.Files.Count} files, {bundle.TotalBytes >> 20} MiB (hashed in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1} s)")));

        using var tls = store.Tls();
        tls.EnsureClient();

        // Each node's certificate names the address it advertises (and its listed name), known once its host is reached.
        var result = await new ClusterProvisioner(inventory, options.Provision, Connector(store, options.AcceptNewHostKeys), Reporter(progress)).UpAsync(bundle, key, (host, advertised) =>
        {
            tls.EnsureNode(host.Address, [advertised, host.Address]);
            return tls.HostFiles(host.Address);
        }, cancellationToken);
        foreach (var change in tls.Changes)
        {
            progress.Report(new ClusterEvent($"TLS: {change} in {store.TlsDirectory}"));
        }

        var state = new ClusterState
        {
            Name = inventory.Cluster,
            Runtime = Kind,
            ClusterId = inventory.Cluster,
            Gateways = result.Hosts.Select(h => $"{h.AdvertisedAddress}:{options.Provision.GatewayPort}").ToArray(),
            Head = inventory.Head,
            Hosts = result.Hosts.Select(h => new ClusterHost(h.Address, h.Role, h.Node, h.Gpus, $"{h.AdvertisedAddress}:{options.Provision.MetricsPort}")).ToArray(),
            Inventory = Path.GetFullPath(inventoryPath),
            AgentBundle = bundle.Id,
            Endpoints = existing?.Endpoints ?? [],
        };
        return new RuntimeUp(state, result.Hosts);
    }

    public async Task<IReadOnlyList<HostOutcome>> DownAsync(ClusterStore store, ClusterState? state, bool purge, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        options.Validate();
        var key = store.ReadKey();
        if (purge && key is null)
        {
            progress.Report(ClusterEvent.Warning($"no cluster key at {store.KeyFile}: the hosts' authorized_keys entries for it (if any) cannot be identified and stay"));
        }

        var hosts = await new ClusterTeardown(inventory, options.Provision, Connector(store, options.AcceptNewHostKeys), Reporter(progress)).DownAsync(key, purge, cancellationToken);
        return hosts;
    }

    public async Task<IReadOnlyList<LogHost>> OpenLogsAsync(ClusterStore store, ClusterState state, string? node, CancellationToken cancellationToken)
    {
        var connector = Connector(store, acceptNewHostKeys: false);
        var hosts = inventory.Hosts.Where(h => node is null || h.Address == node).ToList();
        return await Task.WhenAll(hosts.Select(async h =>
        {
            try
            {
                var connection = await connector.ConnectAsync(h, cancellationToken);
                var commands = h.Address == inventory.Head && inventory.Runtime.Kind.UsesContainers
                    ? new Dictionary<string, string> { ["redis"] = $"docker logs --tail 2000 {ShellQuote.Word(new RedisServer(connection.Shell, inventory.Cluster, inventory.Runtime.Kind, options.Provision.RedisImage).ContainerName)} 2>&1" }
                    : new Dictionary<string, string>();
                return new LogHost(h.Address, connection.Shell, null, _ => true, connection) { Commands = commands };
            }
            catch (Exception e) when (SshHostConnector.IsConnectFailure(e))
            {
                return LogHost.Unreachable(h.Address, $"cannot connect as {h.User}@{h.Address}:{h.Port}: {e.Message}");
            }
        }));
    }

    public async Task<EndpointRecord> EnsureEndpointAsync(ClusterStore store, ClusterState state, EndpointRequest request, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var apiKey = request.ApiKeyEnv is not null ? Environment.GetEnvironmentVariable(request.ApiKeyEnv)
            : request.ApiKeyFile is not null ? ApiKeyFile.Read(request.ApiKeyFile)
            : null;
        if (request.ApiKeyEnv is not null && string.IsNullOrEmpty(apiKey))
        {
            throw new ClusterException(ClusterFailure.InvalidArguments, $"--api-key-env {request.ApiKeyEnv}: that environment variable is not set");
        }

        if (state.AgentBundle is not { Length: > 0 } bundle)
        {
            throw new ClusterException(ClusterFailure.FileError, $"{store.StateFile} names no agent bundle; run `hyc up {state.Inventory}` again");
        }

        var gateway = state.HeadGateway;
        var address = gateway[..gateway.LastIndexOf(':')];
        var (head, connection) = await ConnectHeadAsync(store, "start the endpoint", cancellationToken);

        var name = EndpointNames.Process(request.Deployment);
        var url = string.Create(CultureInfo.InvariantCulture, $"{(request.Https ? "https" : "http")}://{address}:{request.Port}/v1");
        using (connection)
        {
            var rootShell = inventory.Runtime.Kind.AgentShell(connection.Shell, inventory.Runtime);
            var shell = rootShell;
            List<string> args = ["serve", "--deployment", request.Deployment, "--gateway", gateway, "--cluster-id", state.ClusterId, "--host", address, "--port", request.Port.ToString(CultureInfo.InvariantCulture)];
            var commandLine = BundleCommand.Line(bundle, args, inventory.Runtime.LibTorchDir);
            var keyFile = $"api-key-{name}";
            try
            {
                if (inventory.Runtime.Kind.UsesContainers)
                {
                    // Inside a container the endpoint runs as the listed user, as the agent does.
                    shell = inventory.Runtime.Kind.ProcessShell(connection.Shell, inventory.Runtime, await ContainerUser.OfAsync(connection.Shell, cancellationToken));
                }

                if (request.Heal && apiKey is null)
                {
                    // Started again by `up`: the key the endpoint was given stays (it is in its 0600 file on the head).
                    var kept = await connection.Shell.RunAsync($"cat \"$HOME/{RemotePaths.RelativeCluster(inventory.Cluster)}/{keyFile}\" 2>/dev/null", cancellationToken);
                    apiKey = kept.Ok && kept.Stdout.Trim().Length > 0 ? kept.Stdout.Trim() : null;
                }

                if (apiKey is not null)
                {
                    // The key travels as a file (SFTP, created 0600) that the endpoint reads; it is under ~/.hyc, which
                    // a container sees as its HYC_HOME.
                    await connection.Shell.WriteFileAsync($"{RemotePaths.RelativeCluster(inventory.Cluster)}/{keyFile}", Encoding.UTF8.GetBytes(apiKey + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
                    commandLine += $" --api-key-file \"{RemotePaths.Cluster(inventory.Cluster)}/{keyFile}\"";
                }

                // The endpoint is a client of the cluster like any other: it presents the head's node certificate,
                // which lies beside the agent there.
                commandLine += $" --tls-dir \"{HostTlsFiles.Directory(inventory.Cluster)}\" --tls-identity {ShellQuote.Word(ClusterTlsFiles.NodeIdentity(head.Address))}";
                if (request.Https)
                {
                    // The same node certificate serves HTTPS: the cluster CA issued it for the head's address.
                    commandLine += " --https";
                }

                // The key's hash is part of the spec, so a new key restarts the endpoint.
                var process = new RemoteProcess(shell, inventory.Cluster, name, BundleCommand.ServeCmdlineMarker);
                var certificateSpec = FileSpec.Of(new ClusterTlsFiles(store.TlsDirectory).Certificate(ClusterTlsFiles.NodeIdentity(head.Address)));
                var user = (shell as ContainerShell)?.User;
                string?[] specParts = [commandLine, apiKey, .. certificateSpec is null ? Array.Empty<string>() : [certificateSpec], .. user is null ? Array.Empty<string>() : [user.DockerUser]];
                var (action, pid) = await process.EnsureAsync(commandLine, BundleCommand.Spec(specParts), options.Provision.StopGrace,
                    ReferenceEquals(shell, rootShell) ? null : new RemoteProcess(rootShell, inventory.Cluster, name, BundleCommand.ServeCmdlineMarker), cancellationToken);
                progress.Report(new ClusterEvent(action == ProcessAction.Unchanged
                    ? $"endpoint already serving {request.Deployment} on the head: {url}"
                    : $"starting the OpenAI endpoint for {request.Deployment} on the head {head.Address} (pid {pid}, log {process.DisplayLogFile} there)"));
            }
            catch (Exception e) when (e is InvalidOperationException || SshHostConnector.IsConnectFailure(e))
            {
                throw new ClusterException(ClusterFailure.DeployFailed, $"the endpoint did not start on the head: {e.Message}");
            }
        }

        return new EndpointRecord(request.Deployment, url, name);
    }

    public async Task<bool> StopEndpointAsync(ClusterStore store, ClusterState state, string deployment, CancellationToken cancellationToken)
    {
        options.Validate();
        var (_, connection) = await ConnectHeadAsync(store, $"stop the endpoint of {deployment}", cancellationToken);
        using (connection)
        {
            var name = EndpointNames.Process(deployment);
            var agentShell = inventory.Runtime.Kind.AgentShell(connection.Shell, inventory.Runtime);
            var stopped = await new RemoteProcess(agentShell, inventory.Cluster, name, BundleCommand.ServeCmdlineMarker).StopAsync(options.Provision.StopGrace, cancellationToken);

            // The key was written for this endpoint alone (`deploy` writes api-key-serve-NAME); it goes with it.
            await connection.Shell.RunAsync($"rm -f \"$HOME/{RemotePaths.RelativeCluster(inventory.Cluster)}/api-key-{name}\"", cancellationToken);
            return stopped;
        }
    }

    private async Task<(HostEntry Head, HostConnection Connection)> ConnectHeadAsync(ClusterStore store, string purpose, CancellationToken cancellationToken)
    {
        var head = inventory.Hosts.Single(h => h.Address == inventory.Head);
        try
        {
            return (head, await Connector(store, acceptNewHostKeys: false).ConnectAsync(head, cancellationToken));
        }
        catch (Exception e) when (SshHostConnector.IsConnectFailure(e))
        {
            throw new ClusterException(ClusterFailure.Unreachable, $"cannot reach the head {head.Address} to {purpose}: {e.Message}");
        }
    }

    private SshHostConnector Connector(ClusterStore store, bool acceptNewHostKeys) =>
        new(inventory, store.KnownHosts, acceptNewHostKeys || inventory.Ssh.AcceptNewHostKeys, options.ConnectTimeout);

    private static Action<string, string> Reporter(IProgress<ClusterEvent> progress) => (host, message) => progress.Report(ClusterEvent.ForHost(host, message));

}
