using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Provisioning.Clusters;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Preflight;
using Hunyuan.Provisioning.Ssh;

namespace Hunyuan.Cluster.Preflight;

/// <summary>The ports `preflight` checks are free: the cluster's on every host, Redis and the endpoint on the head.</summary>
public sealed record PreflightPorts(int Silo, int Gateway, int Redis, int Endpoint, int Metrics);

/// <summary>
/// `preflight` of a host list: connects to every host in parallel (host keys verified against the cluster's
/// known_hosts, new ones recorded only with consent), then checks OS, disk, GPUs against the list, docker and the
/// ports the cluster will listen on. Changes nothing on the hosts. One unreachable host does not stop the others; each
/// host's block is reported whole as it finishes.
/// </summary>
public sealed class HostListPreflight(string hycHome)
{
    /// <param name="ports">The ports that must be free; null checks none (a running cluster holds its own).</param>
    /// <param name="redisImage">The docker runtime's Redis image, whose version the head's check reads (the process runtime's is the head's redis-server).</param>
    public async Task<PreflightOutput> RunAsync(string path, bool acceptNewHostKeys, TimeSpan connectTimeout, long minFreeDiskBytes, PreflightPorts? ports, string redisImage, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var inventory = ClusterRuntimes.FromHostList(path, new SshRuntimeOptions()).Inventory;
        var store = new ClusterStore(hycHome, inventory.Cluster);
        var knownHosts = store.KnownHosts;
        int[] everyHost = ports is null ? [] : [ports.Silo, ports.Gateway, ports.Metrics, .. inventory.Runtime.Kind.ExtraPorts(inventory.Runtime)];
        var connector = new SshHostConnector(inventory, knownHosts, acceptNewHostKeys || inventory.Ssh.AcceptNewHostKeys, connectTimeout);
        foreach (var warning in inventory.Warnings)
        {
            progress.Report(ClusterEvent.Warning(warning));
        }

        progress.Report(new ClusterEvent($"preflight of {inventory.Hosts.Count} host(s) of cluster '{inventory.Cluster}' ({path}); known hosts: {knownHosts.Path}"));
        var hosts = await Task.WhenAll(inventory.Hosts.Select(host =>
        {
            var head = host.Address == inventory.Head;
            var options = new PreflightOptions
            {
                MinFreeDiskBytes = minFreeDiskBytes,
                PortsThatMustBeFree = head && ports is not null ? [.. everyHost, ports.Redis, ports.Endpoint] : everyHost,
                RunsRedis = head,
                RedisImage = redisImage,
            };
            return CheckHostAsync(connector, inventory, host, head ? "head" : "worker", options, progress, cancellationToken);
        }));

        return new PreflightOutput(inventory.Cluster, hosts.All(h => h.Reachable && h.Checks.All(c => c.Ok)), hosts);
    }

    private static async Task<PreflightHostOutput> CheckHostAsync(SshHostConnector connector, HostInventory inventory, HostEntry host, string role, PreflightOptions options, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var target = $"{host.User}@{host.Address}:{host.Port}";
        HostConnection connection;
        try
        {
            connection = await connector.ConnectAsync(host, cancellationToken);
        }
        catch (Exception e) when (SshHostConnector.IsConnectFailure(e))
        {
            // HostKeyException's message is the loud one (fingerprints, what to do); the others name the cause.
            var cause = e is HostKeyException ? e.Message : $"cannot connect as {target}: {e.Message}";
            progress.Report(new ClusterEvent($"{host.Address} ({inventory.Source} line {host.Line}): {cause}"));
            return new PreflightHostOutput(host.Address, host.Line, role, false, null, cause, []);
        }

        using (connection)
        {
            try
            {
                var report = await HostPreflight.RunAsync(connection.Shell, host, inventory.Runtime, options, cancellationToken);
                var lines = report.Checks.Select(c => $"  {(c.Ok ? "ok  " : "FAIL")} {c.Name,-7} {c.Detail}");
                progress.Report(new ClusterEvent($"{host.Address} ({role}, {target}, host key {connection.HostKeyFingerprint}):\n{string.Join('\n', lines)}"));
                return new PreflightHostOutput(host.Address, host.Line, role, true, connection.HostKeyFingerprint, null,
                    report.Checks.Select(c => new PreflightCheckOutput(c.Name, c.Ok, c.Detail)).ToList());
            }
            catch (Exception e) when (e is Renci.SshNet.Common.SshException or IOException or System.Net.Sockets.SocketException)
            {
                // The connection dropped mid-probe: this host is reported, the others still finish.
                var cause = $"lost the connection as {target} during the checks: {e.Message}";
                progress.Report(new ClusterEvent($"{host.Address} ({inventory.Source} line {host.Line}): {cause}"));
                return new PreflightHostOutput(host.Address, host.Line, role, false, connection.HostKeyFingerprint, cause, []);
            }
        }
    }
}
