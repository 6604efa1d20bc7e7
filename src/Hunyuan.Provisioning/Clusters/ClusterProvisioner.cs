using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Hunyuan.Provisioning.Agents;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Preflight;
using Hunyuan.Provisioning.Redis;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Runtimes;
using Hunyuan.Provisioning.Shells;
using Hunyuan.Provisioning.Ssh;
using Hunyuan.Provisioning.Tls;

namespace Hunyuan.Provisioning.Clusters;

/// <summary>
/// `up` for a host list, every step check-then-converge and every host in parallel (`down` is <see cref="ClusterTeardown"/>): connect (host keys
/// verified) and take the host's lock (<see cref="HostLock"/>), preflight, container (docker runtime), the passwordless
/// mesh, the agent bundle, Redis on the head (the agents' ACL user with a generated password), the agents. A host that fails is reported with its cause and the others go on; the next run
/// picks up where this one stopped, and a run on a healthy cluster changes nothing. Progress goes to the callback as
/// (host, message) while it runs. Joining (Orleans membership) is checked by the caller, which has the client.
/// </summary>
public sealed class ClusterProvisioner(HostInventory inventory, ProvisionOptions options, IHostConnector connector, Action<string, string> progress)
{
    private string Cluster => inventory.Cluster;

    private bool Docker => inventory.Runtime.Kind.UsesContainers;

    /// <param name="tls">
    /// Each host's TLS material (the CA certificate, its node certificate and key), asked for once its advertised address
    /// is known; the agents then require the cluster's certificates on both ports. Null runs them without TLS (tests of
    /// the steps around it only: `up` always gives it).
    /// </param>
    public async Task<ProvisionResult> UpAsync(AgentBundle bundle, ClusterKey key, Func<HostEntry, string, HostTlsFiles>? tls = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var work = inventory.Hosts.Select(h => new HostWork(h, h.Address == inventory.Head)).ToList();
        try
        {
            await Task.WhenAll(work.Select(w => w.StepAsync(() => ConnectAndCheckAsync(w, cancellationToken), progress)));
            var head = work.Single(w => w.IsHead);
            string? password = null;
            if (head.Ok)
            {
                await head.StepAsync(async () => password = await RedisPasswordAsync(head, cancellationToken), progress);
            }

            if (Docker)
            {
                await Task.WhenAll(work.Where(w => w.Ok).Select(w => w.StepAsync(() => ContainerAsync(w, cancellationToken), progress)));
            }

            var knownHostsLines = work.Where(w => w.Connection?.HostKeyBlob is not null)
                .Select(w => KnownHosts.Line(w.Entry.Address, w.Entry.Port, w.Connection!.HostKeyBlob!))
                .Concat(work.Where(w => w.ContainerKeyBlob is not null).Select(w => KnownHosts.Line(w.Entry.Address, inventory.Runtime.SshPort, w.ContainerKeyBlob!)))
                .ToList();

            var redisReady = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!head.Ok)
            {
                redisReady.SetResult(null);
            }

            await Task.WhenAll(work.Where(w => w.Ok).Select(w => w.StepAsync(async () =>
            {
                try
                {
                    await ConvergeAsync(w, bundle, key, knownHostsLines, password, head, redisReady, tls, cancellationToken);
                }
                finally
                {
                    if (w.IsHead)
                    {
                        redisReady.TrySetResult(null);
                    }
                }
            }, progress)));
            return new ProvisionResult(bundle.Id, work.Select(w => w.Outcome()).ToList());
        }
        finally
        {
            await Task.WhenAll(work.Select(w => w.ReleaseAsync()));
        }
    }

    private async Task ConnectAndCheckAsync(HostWork w, CancellationToken cancellationToken)
    {
        // The host's cluster ports bind and advertise its interface address when the list names one.
        w.AdvertisedAddress = w.Entry.Interface ?? await AdvertisedAddressAsync(w.Entry.Address, cancellationToken);
        w.Connection = await connector.ConnectAsync(w.Entry, cancellationToken);
        w.Reachable = true;
        progress(w.Entry.Address, $"connected as {w.Entry.User}@{w.Entry.Address}:{w.Entry.Port}" + (w.Connection.HostKeyFingerprint is { } fp ? $", host key {fp}" : ""));
        var shell = w.Connection.Shell;
        w.Lock = await HostLock.AcquireAsync(shell, Cluster, HostLock.Holder("up"), options.LockWait, cancellationToken);
        w.AgentShell = inventory.Runtime.Kind.AgentShell(shell, inventory.Runtime);
        w.ProcessShell = w.AgentShell;

        // Ports this cluster already holds are not "in use by something else": a second `up` must pass its own preflight.
        var agentRunning = (await new RemoteProcess(w.AgentShell, Cluster, "agent", BundleCommand.AgentCmdlineMarker).StatusAsync(cancellationToken)).Running;
        var ports = new List<int>();
        if (!agentRunning)
        {
            ports.AddRange([options.SiloPort, options.GatewayPort, options.MetricsPort]);
        }

        if (w.IsHead && !await new RedisServer(shell, Cluster, inventory.Runtime.Kind, options.RedisImage).IsRunningAsync(cancellationToken))
        {
            ports.Add(options.RedisPort);
        }

        if (Docker && !await DockerContainers.IsRunningAsync(shell, inventory.Runtime.ContainerName, cancellationToken))
        {
            ports.Add(inventory.Runtime.SshPort);
        }

        var report = await HostPreflight.RunAsync(shell, w.Entry, inventory.Runtime, new PreflightOptions
        {
            MinFreeDiskBytes = options.MinFreeDiskBytes,
            PortsThatMustBeFree = ports,
            RunsRedis = w.IsHead,
            RedisImage = options.RedisImage,
        }, cancellationToken);
        w.Gpus = report.Checks.FirstOrDefault(c => c.Name == "gpus")?.Detail ?? "";
        var failed = report.Checks.Where(c => !c.Ok).ToList();
        if (failed.Count > 0)
        {
            throw new ProvisionException($"preflight failed: {string.Join("; ", failed.Select(c => $"{c.Name}: {c.Detail}"))}");
        }

        progress(w.Entry.Address, $"preflight passed ({string.Join(", ", report.Checks.Select(c => c.Name))})");
    }

    private async Task<string?> RedisPasswordAsync(HostWork head, CancellationToken cancellationToken)
    {
        // The head's copy is the cluster's password: a second `up` keeps it (and the running Redis and agents).
        var r = await head.Connection!.Shell.RunAsync($"cat \"$HOME/{RemotePaths.RelativeCluster(Cluster)}/{RemotePaths.PasswordFileName}\" 2>/dev/null", cancellationToken);
        var existing = r.Ok ? r.Stdout.Trim() : "";
        return existing.Length >= 32 && existing.All(char.IsAsciiHexDigit) ? existing : Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
    }

    private async Task ContainerAsync(HostWork w, CancellationToken cancellationToken)
    {
        var shell = w.Connection!.Shell;
        // The container's sshd listens where the mesh's ssh config sends the other hosts: the listed address.
        var action = await new DockerRuntime(shell, inventory.Runtime, w.Entry.Address, withGpus: w.Entry.VirtualGpus is null).EnsureAsync(m => progress(w.Entry.Address, m), cancellationToken);
        if (action != ContainerAction.Reused)
        {
            w.Change($"container {inventory.Runtime.ContainerName} {action.ToString().ToLowerInvariant()}");
        }

        progress(w.Entry.Address, $"container {inventory.Runtime.ContainerName}: {action.ToString().ToLowerInvariant()}");
        await ContainerUserAsync(w, cancellationToken);

        // The container's sshd key, read over the verified connection to its host: as trustworthy as that host's key.
        // A container started just now may still be making its key, so the read is retried for a while.
        ShellResult pub = new(1, "", "");
        for (var attempt = 0; attempt < 40; attempt++)
        {
            pub = await w.AgentShell!.RunAsync("cat /etc/ssh/ssh_host_ed25519_key.pub", cancellationToken);
            var parts = pub.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (pub.Ok && parts.Length >= 2)
            {
                w.ContainerKeyBlob = Convert.FromBase64String(parts[1]);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        throw new ProvisionException($"cannot read the container's sshd host key (/etc/ssh/ssh_host_ed25519_key.pub; is openssh-server in the image?): {pub.Stderr.Trim()}");
    }

    // The agent runs in the container as the listed user (its uid and gid own the mounted ~/.hyc), not as the image's
    // root; the container's sshd stays root. Files an earlier root agent left in the cluster's directory are handed over.
    private async Task ContainerUserAsync(HostWork w, CancellationToken cancellationToken)
    {
        var shell = w.Connection!.Shell;
        var user = await ContainerUser.OfAsync(shell, cancellationToken);
        if (user is null)
        {
            return;
        }

        var prepare = await shell.RunAsync($"mkdir -p \"$HOME/{ContainerUser.RelativeHome}\" \"$HOME/{RemotePaths.RelativeCluster(Cluster)}/logs\" && chmod 700 \"$HOME/{ContainerUser.RelativeHome}\"", cancellationToken);
        if (!prepare.Ok)
        {
            throw new ProvisionException($"cannot make the agent's home ~/{ContainerUser.RelativeHome}: {prepare.Stderr.Trim()}");
        }

        var handOver = await w.AgentShell!.RunAsync(
            $"find \"{RemotePaths.Cluster(Cluster)}\" -maxdepth 2 -user 0 \\( -name 'agent.*' -o -name 'serve-*' -o -name logs \\) -exec chown {user.DockerUser} {{}} +", cancellationToken);
        if (!handOver.Ok)
        {
            throw new ProvisionException($"cannot hand the agent's files in {RemotePaths.Cluster(Cluster)} to uid {user.Uid} in the container: {handOver.Stderr.Trim()}");
        }

        w.ProcessShell = inventory.Runtime.Kind.ProcessShell(shell, inventory.Runtime, user);
        progress(w.Entry.Address, $"agent runs as uid {user.Uid} gid {user.Gid} in the container (HOME {ContainerUser.Home})");
    }

    private async Task ConvergeAsync(HostWork w, AgentBundle bundle, ClusterKey key, IReadOnlyList<string> knownHostsLines, string? password, HostWork head, TaskCompletionSource<string?> redisReady, Func<HostEntry, string, HostTlsFiles>? tls, CancellationToken cancellationToken)
    {
        var shell = w.Connection!.Shell;
        var mesh = await ClusterMesh.InstallAsync(shell, Cluster, key, knownHostsLines, cancellationToken);
        ReportMesh(w, mesh, "");
        if (await SshClientConfig.EnsureAsync(shell, Cluster, inventory.Hosts.Select(h => new MeshPeer(h.Address, h.Port, h.User)).ToList(), cancellationToken))
        {
            w.Change("wrote the cluster's block in ~/.ssh/config");
        }

        if (Docker)
        {
            ReportMesh(w, await ClusterMesh.InstallAsync(w.AgentShell!, Cluster, key, knownHostsLines, cancellationToken), " in the container");

            // Containers reach each other's sshd on the mesh port, as whoever the image runs as.
            if (await SshClientConfig.EnsureAsync(w.AgentShell!, Cluster, inventory.Hosts.Select(h => new MeshPeer(h.Address, inventory.Runtime.SshPort, null)).ToList(), cancellationToken))
            {
                w.Change("wrote the cluster's block in ~/.ssh/config in the container");
            }
        }

        if (await AgentInstaller.EnsureAsync(shell, bundle, m => progress(w.Entry.Address, m), cancellationToken))
        {
            w.Change($"installed agent {bundle.Id}");
        }

        await AgentInstaller.UseAsync(shell, Cluster, bundle.Id, cancellationToken);

        if (password is null)
        {
            throw new ProvisionException($"agent not started: the head {inventory.Head} is not ready, and every agent needs its Redis");
        }

        if (await WriteSecretFileAsync(shell, RemotePaths.PasswordFileName, password, cancellationToken))
        {
            w.Change("wrote the Redis password file (0600)");
        }

        if (await WriteSecretFileAsync(shell, RemotePaths.RedisUserFileName, RedisAcl.AgentUser, cancellationToken))
        {
            w.Change("wrote the Redis user file (0600)");
        }

        string? redisSpec;
        if (w.IsHead)
        {
            var redis = new RedisServer(shell, Cluster, inventory.Runtime.Kind, options.RedisImage);
            (var action, redisSpec) = await redis.EnsureAsync(w.AdvertisedAddress, options.RedisPort, password, cancellationToken);
            if (action != RedisAction.Unchanged)
            {
                w.Change($"Redis {action.ToString().ToLowerInvariant()} on {w.AdvertisedAddress}:{options.RedisPort}");
            }

            progress(w.Entry.Address, $"Redis on {w.AdvertisedAddress}:{options.RedisPort}: {action.ToString().ToLowerInvariant()}");
            redisReady.TrySetResult(redisSpec);
        }
        else
        {
            redisSpec = await redisReady.Task.WaitAsync(cancellationToken)
                ?? throw new ProvisionException($"agent not started: Redis on the head {inventory.Head} did not come up");
        }

        var tlsSpec = tls is null ? null : await TlsAsync(w, tls(w.Entry, w.AdvertisedAddress), cancellationToken);
        await AgentAsync(w, bundle, head.AdvertisedAddress, redisSpec, tlsSpec, cancellationToken);
        var pruned = await AgentInstaller.PruneAsync(shell, bundle.Id, cancellationToken);
        if (pruned > 0)
        {
            w.Change($"removed {pruned} old agent bundle(s)");
        }
    }

    // The host's CA and node certificate beside the agent (0600, through the host's own file transfer: the agent of the
    // docker runtime reads them through the mounted ~/.hyc), and the spec that restarts the agent when they change.
    private async Task<string> TlsAsync(HostWork w, HostTlsFiles files, CancellationToken cancellationToken)
    {
        var written = await TlsMaterialInstaller.EnsureAsync(w.Connection!.Shell, Cluster, files, cancellationToken);
        if (written.Count > 0)
        {
            w.Change($"wrote the cluster's TLS files ({string.Join(", ", written)}; 0600)");
        }

        return files.Spec;
    }

    private async Task AgentAsync(HostWork w, AgentBundle bundle, string headAddress, string redisSpec, string? tlsSpec, CancellationToken cancellationToken)
    {
        var commandLine = AgentCommandLine(w.Entry, w.AdvertisedAddress, headAddress, bundle.Id, tls: tlsSpec is not null);

        // The spec changes with the bundle, the arguments, Redis (whose spec follows its password) and the TLS files: any of them restarts the agent.
        var user = (w.ProcessShell as ContainerShell)?.User;
        string?[] specParts = [bundle.Id, commandLine, redisSpec, .. tlsSpec is null ? Array.Empty<string>() : [tlsSpec], .. user is null ? Array.Empty<string>() : [user.DockerUser]];
        if (user is not null)
        {
            await CheckAccessAsync(w.ProcessShell!, bundle.Id, user, cancellationToken);
        }

        var agent = new RemoteProcess(w.ProcessShell!, Cluster, "agent", BundleCommand.AgentCmdlineMarker);
        var (action, pid) = await agent.EnsureAsync(commandLine, BundleCommand.Spec(specParts), options.StopGrace,
            ReferenceEquals(w.ProcessShell, w.AgentShell) ? null : new RemoteProcess(w.AgentShell!, Cluster, "agent", BundleCommand.AgentCmdlineMarker), cancellationToken);
        if (action == ProcessAction.Unchanged)
        {
            w.Agent = "running";
            progress(w.Entry.Address, $"agent running (pid {pid}), unchanged");
            return;
        }

        w.Agent = action == ProcessAction.Restarted ? "restarted" : "started";
        w.Change($"agent {w.Agent} (pid {pid}; log {agent.DisplayLogFile})");
        progress(w.Entry.Address, $"agent {w.Agent} (pid {pid})");
    }

    // What the agent needs, checked as the user it runs as: its bundle readable, the cluster's directory and logs writable.
    private async Task CheckAccessAsync(IHostShell processShell, string bundleId, ContainerUser user, CancellationToken cancellationToken)
    {
        var bundle = RemotePaths.Bundle(bundleId);
        var dir = RemotePaths.Cluster(Cluster);
        var r = await processShell.RunAsync(
            $"for d in \"{bundle}\"; do [ -r \"$d\" ] && [ -x \"$d\" ] || echo \"$d is not readable\"; done; for d in \"{dir}\" \"{dir}/logs\" \"{ContainerUser.Home}\"; do [ -w \"$d\" ] || echo \"$d is not writable\"; done", cancellationToken);
        var problems = r.Stdout.Trim();
        if (!r.Ok || problems.Length > 0)
        {
            throw new ProvisionException($"the agent runs as uid {user.Uid} in the container, and for that uid {problems.ReplaceLineEndings("; ")}{r.Stderr.Trim()}");
        }
    }

    /// <summary>The agent's command line on <paramref name="host"/>: no secrets (the Redis user and password are in files it reads).</summary>
    internal string AgentCommandLine(HostEntry host, string advertisedAddress, string headAddress, string bundleId, bool tls = false)
    {
        List<string> args =
        [
            "agent", "--node", host.Address, "--cluster-id", Cluster, "--clustering", "redis",
            "--redis", $"{headAddress}:{options.RedisPort}", "--address", advertisedAddress,
            "--silo-port", $"{options.SiloPort}", "--gateway-port", $"{options.GatewayPort}", "--metrics-port", $"{options.MetricsPort}",
        ];
        if (host.Address == inventory.Head)
        {
            args.Add("--head");
        }

        if (host.VirtualGpus is { } v)
        {
            args.AddRange(["--virtual-gpus", $"{v.Count}", "--virtual-gpu-memory", $"{v.MemoryBytes}"]);
        }

        var line = $"{BundleCommand.Line(bundleId, args, inventory.Runtime.LibTorchDir)} --redis-password-file \"{RemotePaths.Cluster(Cluster)}/{RemotePaths.PasswordFileName}\" --redis-user-file \"{RemotePaths.Cluster(Cluster)}/{RemotePaths.RedisUserFileName}\"";
        return tls ? $"{line} --tls-dir \"{HostTlsFiles.Directory(Cluster)}\"" : line;
    }

    /// <summary>Writes one line to a 0600 file in the cluster's directory over the file transfer, unless it holds that already; true when written.</summary>
    private async Task<bool> WriteSecretFileAsync(IHostShell shell, string name, string value, CancellationToken cancellationToken)
    {
        var relative = $"{RemotePaths.RelativeCluster(Cluster)}/{name}";
        var bytes = Encoding.ASCII.GetBytes(value + "\n");
        var current = await shell.RunAsync($"sha256sum \"$HOME/{relative}\" 2>/dev/null | cut -d' ' -f1", cancellationToken);
        if (string.Equals(current.Stdout.Trim(), Convert.ToHexString(SHA256.HashData(bytes)), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        await shell.WriteFileAsync(relative, bytes, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
        return true;
    }

    private void ReportMesh(HostWork w, MeshChanges mesh, string where)
    {
        if (mesh.KeyWritten)
        {
            w.Change($"installed the cluster key{where}");
        }

        if (mesh.AuthorizedKeyAdded)
        {
            w.Change($"authorized the cluster key{where}");
        }

        if (mesh.KnownHostsAdded > 0)
        {
            w.Change($"added {mesh.KnownHostsAdded} known_hosts line(s){where}");
        }

        progress(w.Entry.Address, mesh.Any ? $"mesh{where} updated" : $"mesh{where} unchanged");
    }

    private static async Task<string> AdvertisedAddressAsync(string address, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(address, out _))
        {
            return address;
        }

        // Orleans advertises an IP: a host name is resolved here, as the other hosts will resolve it.
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(address, cancellationToken);
            return (addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First()).ToString();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new ProvisionException($"cannot resolve {address}: {e.Message}");
        }
    }
}
