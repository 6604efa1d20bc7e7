using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hunyuan.Provisioning.Clusters;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cli.Commands.Provision;

/// <summary>
/// The OpenAI endpoint of a cluster provisioned from a host list runs on its head node: `hyc deploy` starts
/// `hyc serve --deployment NAME` there over SSH (host key pinned by `up`), from the installed agent bundle, listening on
/// the head's cluster address, as a detached process `hyc down` stops. Clusters not made by `up HOSTS.yaml` (local,
/// or reached with --gateway) get the endpoint on the machine running `deploy`, as before.
/// </summary>
internal static class RemoteEndpoint
{
    /// <summary>The state of a cluster `up HOSTS.yaml` made, or null for any other cluster.</summary>
    public static RemoteClusterState? ProvisionedState(string cluster)
    {
        var file = ClusterLocator.StateFile(cluster);
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            var state = JsonSerializer.Deserialize(File.ReadAllText(file), RemoteStateJson.Default.RemoteClusterState);
            return state is { Inventory.Length: > 0, AgentBundle.Length: > 0 } ? state : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Process name for a deployment's endpoint; deployment names come from directory names, so only safe characters stay.</summary>
    public static string ProcessName(string deployment) =>
        "serve-" + new string(deployment.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());

    /// <param name="apiKeyEnv">An environment variable here holding the key the endpoint must require: written to the head as a 0600 file.</param>
    public static async Task<int> EnsureAsync(CliConsole console, RemoteClusterState state, string deployment, int port, string? apiKeyEnv, CancellationToken cancellationToken)
    {
        var apiKey = apiKeyEnv is null ? null : Environment.GetEnvironmentVariable(apiKeyEnv);
        if (apiKeyEnv is not null && string.IsNullOrEmpty(apiKey))
        {
            return console.Fail(ExitCodes.InvalidArguments, $"--api-key-env {apiKeyEnv}: that environment variable is not set");
        }

        HostInventory inventory;
        try
        {
            inventory = InventoryParser.Load(state.Inventory);
        }
        catch (Exception e) when (e is InventoryException or IOException)
        {
            return console.Fail(ExitCodes.FileError, $"the cluster's host list {state.Inventory} (recorded by `up`) cannot be read, so the endpoint was not started on the head: {e.Message}");
        }

        var head = inventory.Hosts.Single(h => h.Address == inventory.Head);
        var headIndex = Array.FindIndex(state.Hosts, h => h.Role == "head");
        var gateway = headIndex >= 0 && headIndex < state.Gateways.Length ? state.Gateways[headIndex] : state.Gateways[0];
        var address = gateway[..gateway.LastIndexOf(':')];
        var files = new RemoteClusterFiles(inventory.Cluster);
        var connector = new SshHostConnector(inventory, files.KnownHosts, acceptNewHostKeys: false, TimeSpan.FromSeconds(15));
        HostConnection connection;
        try
        {
            connection = await connector.ConnectAsync(head, cancellationToken);
        }
        catch (Exception e) when (SshHostConnector.IsConnectFailure(e))
        {
            return console.Fail(ExitCodes.ClusterUnreachable, $"cannot reach the head {head.Address} to start the endpoint: {e.Message}");
        }

        var url = $"http://{address}:{port}/v1";
        using (connection)
        {
            IHostShell shell = inventory.Runtime.Kind == "docker" ? new ContainerShell(connection.Shell, inventory.Runtime.ContainerName) : connection.Shell;
            var root = RemotePaths.Bundle(state.AgentBundle);
            List<string> args = ["serve", "--deployment", deployment, "--gateway", gateway, "--cluster-id", state.ClusterId, "--host", address, "--port", port.ToString(CultureInfo.InvariantCulture)];
            var commandLine = $"\"{root}/dotnet/dotnet\" \"{root}/app/hyc.dll\" {ShellQuote.Join(args)}";
            var process = new RemoteProcess(shell, inventory.Cluster, ProcessName(deployment), ClusterProvisioner.ServeCmdlineMarker);
            try
            {
                if (apiKey is not null)
                {
                    // The key travels as a file (SFTP, created 0600) and the endpoint reads it; the file is under
                    // ~/.hyc, which the container sees as its HYC_HOME.
                    var keyFile = $"api-key-{ProcessName(deployment)}";
                    await connection.Shell.WriteFileAsync($"{RemotePaths.RelativeCluster(inventory.Cluster)}/{keyFile}", Encoding.UTF8.GetBytes(apiKey + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
                    commandLine += $" --api-key-file \"{RemotePaths.Cluster(inventory.Cluster)}/{keyFile}\"";
                }

                // The key's hash is part of the spec, so a new key restarts the endpoint.
                var spec = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(commandLine + "\n" + (apiKey ?? ""))))[..16].ToLowerInvariant();
                var current = await process.StatusAsync(cancellationToken);
                if (current.Running && current.Spec == spec)
                {
                    console.Human($"endpoint already serving {deployment} on the head: {url}");
                    return ExitCodes.Success;
                }

                if (current.Running)
                {
                    await process.StopAsync(TimeSpan.FromSeconds(10), cancellationToken);
                }

                var pid = await process.StartAsync(commandLine, spec, cancellationToken);
                console.Human($"starting the OpenAI endpoint for {deployment} on the head {head.Address} (pid {pid}, log ~/.hyc/clusters/{inventory.Cluster}/logs/{ProcessName(deployment)}.log there)");
            }
            catch (Exception e) when (e is InvalidOperationException || SshHostConnector.IsConnectFailure(e))
            {
                return console.Fail(ExitCodes.DeployFailed, $"the endpoint did not start on the head: {e.Message}");
            }
        }

        return await WaitReadyAsync(console, url, apiKey, cancellationToken);
    }

    private static async Task<int> WaitReadyAsync(CliConsole console, string url, string? apiKey, CancellationToken cancellationToken)
    {
        console.Human(await EndpointReadiness.WaitAsync(new Uri(url), apiKey, TimeSpan.FromSeconds(120), cancellationToken)
            ? $"OpenAI endpoint ready: {url}"
            : $"warning: {url} did not answer /health/ready from here within 120 s (it may still be loading, or a firewall is between this machine and the head)");
        return ExitCodes.Success;
    }
}
