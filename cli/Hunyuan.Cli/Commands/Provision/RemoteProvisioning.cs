using System.Diagnostics;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Hunyuan.Provisioning.Agents;
using Hunyuan.Provisioning.Clusters;
using Hunyuan.Provisioning.Inventory;
using Microsoft.Extensions.DependencyInjection;

namespace Hunyuan.Cli.Commands.Provision;

/// <summary>How `up`/`down HOSTS.yaml` connect and how long they wait.</summary>
internal sealed record RemoteOptions(bool AcceptNewHostKeys, TimeSpan ConnectTimeout, TimeSpan JoinTimeout, ProvisionOptions Provision, bool Json);

/// <summary>
/// `hyc up HOSTS.yaml` and `hyc down HOSTS.yaml` (the commands parse options; this does the work): the provisioner on
/// every host over SSH, then, for `up`, waiting until every started agent has joined the cluster, cluster.json, and a
/// summary table with the next commands. Progress is printed per host as it happens.
/// </summary>
internal sealed class RemoteProvisioning(CliConsole console)
{
    private static readonly string[] Running = ["running", "started", "restarted"];
    private readonly Lock _print = new();

    public async Task<int> UpAsync(string path, RemoteOptions o, CancellationToken cancellationToken)
    {
        if (Open(path, out var failure) is not { } opened)
        {
            return failure;
        }

        var (inventory, files, runLock) = opened;
        using var _ = runLock;

        var (key, created) = files.LoadOrCreateKey();
        console.Human($"cluster '{inventory.Cluster}' from {path}: {inventory.Hosts.Count} host(s), head {inventory.Head}, runtime {inventory.Runtime.Kind}; cluster key {key.Fingerprint}{(created ? " (new)" : "")}");
        AgentBundle bundle;
        var sw = Stopwatch.StartNew();
        try
        {
            bundle = AgentBundle.ForThisProcess();
        }
        catch (IOException e)
        {
            return console.Fail(ExitCodes.FileError, $"cannot build the agent bundle: {e.Message}");
        }

        console.Human($"agent bundle {bundle.Id}: hyc and the .NET {Environment.Version} runtime, {bundle.Files.Count} files, {bundle.TotalBytes >> 20} MiB (hashed in {sw.Elapsed.TotalSeconds:F1} s)");

        var connector = new SshHostConnector(inventory, files.KnownHosts, o.AcceptNewHostKeys || inventory.Ssh.AcceptNewHostKeys, o.ConnectTimeout);
        var result = await new ClusterProvisioner(inventory, o.Provision, connector, Progress).UpAsync(bundle, key, cancellationToken);

        var expected = result.Hosts.Where(h => Running.Contains(h.Agent)).ToList();
        var joined = expected.Count > 0 ? await WaitForJoinAsync(inventory, expected, o, cancellationToken) : [];
        if (expected.Count > 0)
        {
            files.WriteState(new RemoteClusterState(inventory.Cluster, "hyc",
                result.Hosts.Select(h => $"{h.AdvertisedAddress}:{o.Provision.GatewayPort}").ToArray(), inventory.Head, inventory.Runtime.Kind,
                Path.GetFullPath(path), bundle.Id, result.Hosts.Select(h => new RemoteHostState(h.Address, h.Role, h.Node, h.Gpus)).ToArray(), DateTimeOffset.UtcNow));
        }

        string State(HostOutcome h) => !h.Ok ? "failed" : joined.Contains(h.Node) ? "alive" : "not joined";
        var ok = result.AllOk && expected.All(h => joined.Contains(h.Node)) && expected.Count == result.Hosts.Count;
        PrintTable(inventory, result.Hosts, State);
        if (o.Json)
        {
            console.Json(Output(inventory, "up", ok, result.AnyChange, bundle.Id, result.Hosts, State), CliJsonContext.Default.ProvisionOutput);
        }

        if (!ok)
        {
            foreach (var h in result.Hosts.Where(h => !h.Ok || !joined.Contains(h.Node)))
            {
                console.Human($"  {h.Address} ({inventory.Source} line {h.Line}): {h.Error ?? $"agent {h.Agent} but did not join within {o.JoinTimeout.TotalSeconds:F0} s (see ~/.hyc/clusters/{inventory.Cluster}/logs/agent.log on that host)"}");
            }

            return console.Fail(ExitCodes.ProvisionFailed, $"{result.Hosts.Count(h => State(h) != "alive")} of {result.Hosts.Count} host(s) not up; fix the causes above and run `hyc up {path}` again (it continues where this run stopped)");
        }

        console.Human(result.AnyChange
            ? $"cluster '{inventory.Cluster}' up: {joined.Count} node(s) alive"
            : $"cluster '{inventory.Cluster}' already up: {joined.Count} node(s) alive; no changes");
        console.Human($"next: hyc status --cluster {inventory.Cluster}    hyc deploy MODEL_DIR --cluster {inventory.Cluster} --variant bf16|fp8|int8    hyc down {path}");
        return ExitCodes.Success;
    }

    public async Task<int> DownAsync(string path, bool purge, RemoteOptions o, CancellationToken cancellationToken)
    {
        if (Open(path, out var failure) is not { } opened)
        {
            return failure;
        }

        var (inventory, files, runLock) = opened;
        using var _ = runLock;

        var key = files.ReadKey();
        if (purge && key is null)
        {
            console.Human($"no cluster key at {files.KeyFile}: the hosts' authorized_keys entries for it (if any) cannot be identified and stay");
        }

        var connector = new SshHostConnector(inventory, files.KnownHosts, o.AcceptNewHostKeys || inventory.Ssh.AcceptNewHostKeys, o.ConnectTimeout);
        var hosts = await new ClusterTeardown(inventory, o.Provision, connector, Progress).DownAsync(key, purge, cancellationToken);
        var ok = hosts.All(h => h.Ok);
        foreach (var h in hosts)
        {
            console.Human($"{h.Address}: {(h.Changes.Count == 0 ? "nothing to stop" : string.Join("; ", h.Changes))}{(h.Ok ? "" : $" — FAILED: {h.Error}")}");
        }

        if (ok)
        {
            foreach (var removed in files.Remove(purge))
            {
                console.Human($"removed {removed}");
            }
        }

        if (o.Json)
        {
            console.Json(Output(inventory, purge ? "down --purge" : "down", ok, hosts.Any(h => h.Changes.Count > 0), null, hosts, h => h.Ok ? "down" : "failed"), CliJsonContext.Default.ProvisionOutput);
        }

        return ok
            ? ExitCodes.Success
            : console.Fail(ExitCodes.ProvisionFailed, $"{hosts.Count(h => !h.Ok)} host(s) not stopped (named above); the local state is kept so `hyc down {path}` can be run again");
    }

    /// <summary>The host list, its cluster's local files, and the lock that makes this the only `up`/`down` of it; null with the exit code when not.</summary>
    private (HostInventory Inventory, RemoteClusterFiles Files, FileStream Lock)? Open(string path, out int failure)
    {
        failure = ExitCodes.Success;
        HostInventory inventory;
        try
        {
            inventory = InventoryParser.Load(path);
        }
        catch (InventoryException e)
        {
            failure = console.Fail(ExitCodes.InvalidArguments, e.Message);
            return null;
        }
        catch (IOException e)
        {
            failure = console.Fail(ExitCodes.FileError, $"{path}: {e.Message}");
            return null;
        }

        var files = new RemoteClusterFiles(inventory.Cluster);
        if (files.TryLock() is not { } held)
        {
            failure = console.Fail(ExitCodes.InvalidArguments, $"another `hyc up` or `hyc down` of cluster '{inventory.Cluster}' is running (it holds {Path.Combine(files.Directory, ".lock")}); wait for it to finish");
            return null;
        }

        return (inventory, files, held);
    }

    private async Task<HashSet<string>> WaitForJoinAsync(HostInventory inventory, IReadOnlyList<HostOutcome> expected, RemoteOptions o, CancellationToken cancellationToken)
    {
        var connection = new ClusterConnection(inventory.Cluster, "hyc", expected.Select(h => $"{h.AdvertisedAddress}:{o.Provision.GatewayPort}").ToArray());
        var sw = Stopwatch.StartNew();
        var alive = new HashSet<string>(StringComparer.Ordinal);
        console.Human($"waiting for {expected.Count} agent(s) to join (up to {o.JoinTimeout.TotalSeconds:F0} s)");
        while (sw.Elapsed < o.JoinTimeout)
        {
            try
            {
                using var host = await connection.ConnectAsync(TimeSpan.FromSeconds(10), cancellationToken);
                var client = host.Services.GetRequiredService<IClusterClient>();
                while (sw.Elapsed < o.JoinTimeout)
                {
                    var members = await ClusterMembership.ReadAsync(client);
                    alive = members.Where(m => m.State == "alive").Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
                    if (expected.All(h => alive.Contains(h.Node)))
                    {
                        console.Human($"all {expected.Count} agent(s) joined in {sw.Elapsed.TotalSeconds:F1} s");
                        return alive;
                    }

                    await Task.Delay(500, cancellationToken);
                }
            }
            catch (ClusterUnreachableException)
            {
                await Task.Delay(1000, cancellationToken);
            }
        }

        return alive;
    }

    private void PrintTable(HostInventory inventory, IReadOnlyList<HostOutcome> hosts, Func<HostOutcome, string> state)
    {
        console.Human("");
        console.Human($"{"HOST",-18} {"ROLE",-7} {"GPUS",-34} {"RUNTIME",-8} {"AGENT",-12} STATE");
        foreach (var h in hosts)
        {
            var gpus = h.Gpus.Length > 34 ? h.Gpus[..31] + "..." : h.Gpus;
            console.Human($"{h.Address,-18} {h.Role,-7} {gpus,-34} {inventory.Runtime.Kind,-8} {h.Agent,-12} {state(h)}");
        }

        console.Human("");
    }

    private static ProvisionOutput Output(HostInventory inventory, string action, bool ok, bool changed, string? bundle, IReadOnlyList<HostOutcome> hosts, Func<HostOutcome, string> state) =>
        new(inventory.Cluster, action, ok, changed, bundle, hosts.Select(h =>
            new ProvisionHostOutput(h.Address, h.Line, h.Role, h.Node, h.Reachable, h.HostKey, h.Gpus, h.Agent, state(h), h.Changes, h.Error)).ToList());

    private void Progress(string host, string message)
    {
        lock (_print)
        {
            console.Human($"[{host}] {message}");
        }
    }
}
