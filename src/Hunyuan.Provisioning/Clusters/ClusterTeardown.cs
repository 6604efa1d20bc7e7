using System.Globalization;
using System.Text;
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

                if (Docker && await new DockerRuntime(shell, inventory.Runtime).RemoveAsync(cancellationToken))
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
            foreach (var w in work)
            {
                w.Connection?.Dispose();
            }
        }
    }

    private async Task PurgeAsync(HostWork w, ClusterKey? key, CancellationToken cancellationToken)
    {
        var shell = w.Connection!.Shell;
        var keyPath = ClusterMesh.KeyPath(Cluster);
        var script = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"for p in \"$HOME/.hyc/agents\" \"$HOME/{RemotePaths.RelativeCluster(Cluster)}\" \"$HOME/{keyPath}\" \"$HOME/{keyPath}.pub\"; do if [ -e \"$p\" ]; then rm -rf \"$p\" && echo \"removed $p\"; fi; done; ");
        if (key is not null)
        {
            // Public material: safe on a command line. The file keeps its mode (written through a temp file, then cat >).
            var line = ShellQuote.Word(key.AuthorizedKeysLine);
            script.Append(CultureInfo.InvariantCulture, $"f=\"$HOME/.ssh/authorized_keys\"; if [ -f \"$f\" ] && grep -qxF {line} \"$f\"; then grep -vxF {line} \"$f\" > \"$f.hyc-tmp\"; cat \"$f.hyc-tmp\" > \"$f\"; rm -f \"$f.hyc-tmp\"; echo 'removed the cluster key from authorized_keys'; fi");
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
