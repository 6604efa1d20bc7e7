using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Hunyuan.Cluster.Preflight;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Status;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Remote;

namespace Hunyuan.Cluster.Logs;

/// <summary>
/// `hyc logs` and `hyc debug-bundle`: every node's logs through its runtime (files here for a local cluster, SSH for
/// hosts), each line with its node; and one redacted tar.gz with the logs, status, preflight, versions and the host list.
/// </summary>
public sealed class ClusterDiagnostics(ClusterService service, TimeProvider time)
{
    public async Task LogsAsync(string cluster, LogQuery query, Action<LogLine> sink, Action<string, string> hostError, CancellationToken cancellationToken)
    {
        var state = service.StateOf(cluster);
        if (query.Node is { } node && state.Hosts.All(h => h.Node != node))
        {
            throw new ClusterException(ClusterFailure.InvalidArguments, $"no node '{node}' in cluster '{cluster}'; its nodes: {string.Join(", ", state.Hosts.Select(h => h.Node))}");
        }

        var hosts = await service.RuntimeOf(state).OpenLogsAsync(service.Store(cluster), state, query.Node, cancellationToken);
        try
        {
            await new ClusterLogReader(cluster, time).ReadAsync(hosts, query, sink, hostError, cancellationToken);
        }
        finally
        {
            foreach (var h in hosts)
            {
                h.Dispose();
            }
        }
    }

    public async Task<DebugBundleReport> DebugBundleAsync(string cluster, string path, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var state = service.StateOf(cluster);
        var store = service.Store(cluster);
        var redactor = new SecretRedactor();
        var bundle = new DebugBundleWriter(redactor);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        bundle.Add("cluster.json", File.ReadAllText(store.StateFile));
        bundle.Add("versions.txt", LocalVersions());
        foreach (var e in state.Endpoints.Where(e => e.ApiKeyEnv is not null))
        {
            redactor.Add(Environment.GetEnvironmentVariable(e.ApiKeyEnv!));
        }

        redactor.Add(ApiKeyFile.Read(store.ApiKeyFile));

        if (state.Inventory is { } inventoryPath && File.Exists(inventoryPath))
        {
            bundle.Add("hosts.yaml", File.ReadAllText(inventoryPath));
            try
            {
                if (InventoryParser.Load(inventoryPath).Ssh.PasswordEnv is { } passwordEnv)
                {
                    redactor.Add(Environment.GetEnvironmentVariable(passwordEnv));
                }

                progress.Report(new ClusterEvent("preflight of every host (no port checks: the cluster holds its ports)"));
                var preflight = await new HostListPreflight(store.HycHome)
                    .RunAsync(inventoryPath, false, TimeSpan.FromSeconds(15), 0, null, new Provisioning.Clusters.ProvisionOptions().RedisImage, new Progress<ClusterEvent>(), cancellationToken);
                bundle.Add("preflight.json", JsonSerializer.Serialize(preflight, StatusJson.Default.PreflightOutput));
            }
            catch (Exception e) when (e is ClusterException or InventoryException or IOException)
            {
                bundle.Add("preflight-error.txt", e.Message);
            }
        }

        try
        {
            var status = await service.StatusAsync(ClusterTarget.Named(cluster), TimeSpan.FromSeconds(15), cancellationToken);
            bundle.Add("status.json", JsonSerializer.Serialize(status, StatusJson.Default.ClusterStatus));
        }
        catch (ClusterException e)
        {
            bundle.Add("status-error.txt", e.Message);
        }

        var hosts = await service.RuntimeOf(state).OpenLogsAsync(store, state, null, cancellationToken);
        try
        {
            var reader = new ClusterLogReader(cluster, time);
            foreach (var h in hosts)
            {
                progress.Report(ClusterEvent.ForHost(h.Node, h.Shell is null ? $"unreachable: {h.Error}" : "collecting logs and versions"));
                if (h.Shell is null)
                {
                    errors[h.Node] = h.Error!;
                    bundle.Add($"hosts/{h.Node}/error.txt", h.Error!);
                    continue;
                }

                try
                {
                    // Secrets the cluster keeps in its directory on the host: read to be redacted, never written.
                    var secrets = await h.Shell.RunAsync($"cat \"{RemotePaths.Cluster(cluster)}/{RemotePaths.PasswordFileName}\" \"{RemotePaths.Cluster(cluster)}\"/api-key-* 2>/dev/null; true", cancellationToken);
                    foreach (var line in secrets.Stdout.Split('\n'))
                    {
                        redactor.Add(line);
                    }

                    var versions = await h.Shell.RunAsync("uname -srm; (nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi: absent'); (docker version --format 'docker {{.Server.Version}}' 2>/dev/null || true)", cancellationToken);
                    bundle.Add($"hosts/{h.Node}/versions.txt", versions.Stdout + versions.Stderr);
                    foreach (var file in (await reader.FilesAsync(h.Shell, cancellationToken)).Where(h.Owns))
                    {
                        bundle.Add($"hosts/{h.Node}/{file}", await reader.ReadFileAsync(h.Shell, file, ClusterLogReader.FirstReadBytes, cancellationToken));
                    }

                    foreach (var (name, command) in h.Commands)
                    {
                        var r = await h.Shell.RunAsync(command, cancellationToken);
                        bundle.Add($"hosts/{h.Node}/{name}.log", r.Stdout + r.Stderr);
                    }
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or Renci.SshNet.Common.SshException or System.Net.Sockets.SocketException)
                {
                    errors[h.Node] = e.Message;
                    bundle.Add($"hosts/{h.Node}/error.txt", $"lost while collecting: {e.Message}");
                }
            }
        }
        finally
        {
            foreach (var h in hosts)
            {
                h.Dispose();
            }
        }

        await bundle.WriteAsync(path, cancellationToken);
        return new DebugBundleReport(Path.GetFullPath(path), bundle.Names, errors, redactor.Count);
    }

    private string LocalVersions()
    {
        var hyc = Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var torch = Directory.EnumerateFiles(AppContext.BaseDirectory, "libtorch*.so*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"hyc {hyc}\n.NET {Environment.Version}\nos {System.Runtime.InteropServices.RuntimeInformation.OSDescription}\nlibtorch here: {(torch.Count == 0 ? "none in the app directory" : string.Join(", ", torch))}\nHYC_LIBTORCH_DIR {Environment.GetEnvironmentVariable("HYC_LIBTORCH_DIR") ?? "(unset)"}\nwritten {time.GetUtcNow():O}\n");
    }
}
