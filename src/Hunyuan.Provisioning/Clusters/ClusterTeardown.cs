using System.Globalization;
using System.Text;
using Hunyuan.Provisioning.Agents;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Redis;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Runtimes;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Clusters;

/// <summary>
/// `down` for a host list, every host in parallel: the endpoints `deploy` started, the agents, then Redis, then the
/// containers; with purge also what `up` installed (agent bundles, the cluster's files, the cluster key, its
/// authorized_keys line and ~/.ssh/config block). Idempotent: what is already gone is skipped, and each host's
/// outcome lists what was done.
/// </summary>
public sealed class ClusterTeardown(HostInventory inventory, ProvisionOptions options, IHostConnector connector, Action<string, string> progress)
{
    private string Cluster => inventory.Cluster;

    private bool Docker => inventory.Runtime.Kind.UsesContainers;

    /// <summary>Stops the agents, then Redis, then removes the containers hyc started; with purge also the agent bundles, the cluster's files and the cluster key.</summary>
    public async Task<IReadOnlyList<HostOutcome>> DownAsync(ClusterKey? key, bool purge, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var work = inventory.Hosts.Select(h => new HostWork(h, h.Address == inventory.Head)).ToList();
        try
        {
            await Task.WhenAll(work.Select(w => w.StepAsync(async () =>
            {
                w.Connection = await connector.ConnectAsync(w.Entry, cancellationToken);
                w.Reachable = true;
                w.Lock = await HostLock.AcquireAsync(w.Connection.Shell, Cluster, HostLock.Holder("down"), options.LockWait, cancellationToken);
                w.AgentShell = inventory.Runtime.Kind.AgentShell(w.Connection.Shell, inventory.Runtime);

                // Endpoints (`deploy` starts them on the head) go first: they are clients of the agents.
                foreach (var endpoint in (await RemoteProcess.ListAsync(w.AgentShell, Cluster, cancellationToken)).Where(n => n.StartsWith("serve-", StringComparison.Ordinal)))
                {
                    if (await new RemoteProcess(w.AgentShell, Cluster, endpoint, BundleCommand.ServeCmdlineMarker).StopAsync(options.StopGrace, cancellationToken))
                    {
                        w.Change($"stopped the endpoint {endpoint["serve-".Length..]}");
                    }
                }

                if (await new RemoteProcess(w.AgentShell, Cluster, "agent", BundleCommand.AgentCmdlineMarker).StopAsync(options.StopGrace, cancellationToken))
                {
                    w.Change("stopped the agent");
                }

                w.Agent = "stopped";
            }, progress)));

            await Task.WhenAll(work.Where(w => w.Ok).Select(w => w.StepAsync(async () =>
            {
                var shell = w.Connection!.Shell;
                if (w.IsHead && await new RedisServer(shell, Cluster, inventory.Runtime.Kind, options.RedisImage).StopAsync(options.StopGrace, cancellationToken))
                {
                    w.Change("stopped Redis");
                }

                if (Docker && await DockerContainers.RemoveAsync(shell, inventory.Runtime.ContainerName, cancellationToken))
                {
                    w.Change($"removed container {inventory.Runtime.ContainerName}");
                }

                if (purge)
                {
                    await PurgeAsync(w, key, cancellationToken);
                }
            }, progress)));
            return work.Select(w => w.Outcome()).ToList();
        }
        finally
        {
            await Task.WhenAll(work.Select(w => w.ReleaseAsync()));
        }
    }

    private async Task PurgeAsync(HostWork w, ClusterKey? key, CancellationToken cancellationToken)
    {
        var shell = w.Connection!.Shell;
        var keyPath = ClusterMesh.KeyPath(Cluster);

        // Bundles first: which are this cluster's is recorded in its directory, removed next.
        var script = new StringBuilder(AgentInstaller.PurgeScript(Cluster)).Append("; ")
            // The cluster's directory holds this run's lock: only what else is in it counts as something removed.
            .Append(CultureInfo.InvariantCulture, $"c=\"$HOME/{RemotePaths.RelativeCluster(Cluster)}\"; if [ -d \"$c\" ]; then if ls -A \"$c\" | grep -qv '^{HostLock.FileName}'; then rm -rf \"$c\" && echo \"removed $c\"; else rm -rf \"$c\"; fi; fi; ")
            .Append(CultureInfo.InvariantCulture, $"for p in \"$HOME/{keyPath}\" \"$HOME/{keyPath}.pub\" \"$HOME/{ClusterMesh.KnownHostsPath(Cluster)}\"; do if [ -e \"$p\" ]; then rm -rf \"$p\" && echo \"removed $p\"; fi; done");
        if (key is not null)
        {
            script.Append("; ").Append(LineFileScripts.Remove(".ssh/authorized_keys", key.AuthorizedKeysLine, "removed the cluster key from authorized_keys"));
        }

        var r = await shell.RunAsync(script.ToString(), cancellationToken);
        if (!r.Ok)
        {
            throw new InvalidOperationException($"purge failed: {r.Stderr.Trim()}");
        }

        if (await SshClientConfig.RemoveAsync(shell, Cluster, cancellationToken))
        {
            w.Change("removed the cluster's block from ~/.ssh/config");
        }

        foreach (var done in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            w.Change(done);
        }
    }
}
