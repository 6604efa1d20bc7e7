using System.CommandLine;
using Hunyuan.Provisioning.Clusters;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Preflight;
using Hunyuan.Provisioning.Ssh;

namespace Hunyuan.Cli.Commands.Provision;

/// <summary>
/// `hyc preflight HOSTS.yaml`: step 1 and 2 of `up`, changing nothing on the hosts. Connects to every host in
/// parallel over SSH, verifies host keys against the cluster's known_hosts (~/.hyc/clusters/NAME/known_hosts; new
/// keys recorded only with --accept-new-host-keys or ssh.accept_new_host_keys, a changed key always refused), then
/// checks OS, disk, GPUs against the list, docker and the ports the cluster will listen on. One unreachable host does
/// not stop the others. Exit codes: Success, InvalidArguments (the host list, naming file, line and key),
/// PreflightFailed (some host unreachable or failing a check; each is named).
/// </summary>
internal sealed class PreflightCommand : Command
{
    private static readonly Argument<string> HostsArgument = new("HOSTS_YAML") { Description = "Host list (see examples/hosts/)" };
    private static readonly Option<int> EndpointPortOption = new("--endpoint-port") { Description = "OpenAI endpoint port that must be free on the head", DefaultValueFactory = _ => 8000 };
    private static readonly Option<bool> AcceptNewOption = RemoteCommandOptions.AcceptNewOption;
    private static readonly Option<int> SiloPortOption = RemoteCommandOptions.SiloPortOption;
    private static readonly Option<int> GatewayPortOption = RemoteCommandOptions.GatewayPortOption;
    private static readonly Option<int> RedisPortOption = RemoteCommandOptions.RedisPortOption;
    private static readonly Option<string> MinDiskOption = RemoteCommandOptions.MinDiskOption;
    private static readonly Option<int> ConnectTimeoutOption = RemoteCommandOptions.ConnectTimeoutOption;
    private static readonly Option<bool> JsonOption = RemoteCommandOptions.JsonOption;

    private readonly CliConsole _console;
    private readonly Lock _print = new();

    public PreflightCommand(CliConsole console)
        : base("preflight", "Check every host of a host list over SSH before `up` (changes nothing on them)")
    {
        _console = console;
        Arguments.Add(HostsArgument);
        foreach (var o in new Option[] { AcceptNewOption, SiloPortOption, GatewayPortOption, RedisPortOption, EndpointPortOption, MinDiskOption, ConnectTimeoutOption, JsonOption })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => ExecuteAsync(r, ct));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var path = r.GetRequiredValue(HostsArgument);
        HostInventory inventory;
        try
        {
            inventory = InventoryParser.Load(path);
        }
        catch (InventoryException e)
        {
            return _console.Fail(ExitCodes.InvalidArguments, e.Message);
        }
        catch (IOException e)
        {
            return _console.Fail(ExitCodes.FileError, $"{path}: {e.Message}");
        }

        if (!Hunyuan.Engine.Planning.MemoryPlanner.TryParseSize(r.GetValue(MinDiskOption), out var minDisk) || r.GetValue(ConnectTimeoutOption) < 1)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--min-free-disk must be a size such as 20GiB and --connect-timeout at least 1");
        }

        var knownHosts = new KnownHosts(Path.Combine(ClusterLocator.ClusterDirectory(inventory.Cluster), "known_hosts"));
        var acceptNew = r.GetValue(AcceptNewOption) || inventory.Ssh.AcceptNewHostKeys;
        var timeout = TimeSpan.FromSeconds(r.GetValue(ConnectTimeoutOption));
        int[] everyHost = [r.GetValue(SiloPortOption), r.GetValue(GatewayPortOption)];
        if (inventory.Runtime.Kind == "docker")
        {
            everyHost = [.. everyHost, inventory.Runtime.SshPort];
        }

        var connector = new SshHostConnector(inventory, knownHosts, acceptNew, timeout);
        _console.Human($"preflight of {inventory.Hosts.Count} host(s) of cluster '{inventory.Cluster}' ({path}); known hosts: {knownHosts.Path}");
        var hosts = await Task.WhenAll(inventory.Hosts.Select(host =>
        {
            var head = host.Address == inventory.Head;
            var options = new PreflightOptions
            {
                MinFreeDiskBytes = minDisk,
                PortsThatMustBeFree = head ? [.. everyHost, r.GetValue(RedisPortOption), r.GetValue(EndpointPortOption)] : everyHost,
            };
            return CheckHostAsync(connector, inventory, host, head ? "head" : "worker", options, cancellationToken);
        }));

        var ok = hosts.All(h => h.Reachable && h.Checks.All(c => c.Ok));
        if (r.GetValue(JsonOption))
        {
            _console.Json(new PreflightOutput(inventory.Cluster, ok, hosts), CliJsonContext.Default.PreflightOutput);
        }

        if (!ok)
        {
            var bad = hosts.Count(h => !h.Reachable || h.Checks.Any(c => !c.Ok));
            return _console.Fail(ExitCodes.PreflightFailed, $"{bad} of {hosts.Length} host(s) not ready; fix what is named above and run again");
        }

        _console.Human($"all {hosts.Length} host(s) ready; next: hyc up {path}");
        return ExitCodes.Success;
    }

    private async Task<PreflightHostOutput> CheckHostAsync(SshHostConnector connector, HostInventory inventory, HostEntry host, string role, PreflightOptions options, CancellationToken cancellationToken)
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
            Print($"{host.Address} ({inventory.Source} line {host.Line}): {cause}");
            return new PreflightHostOutput(host.Address, host.Line, role, false, null, cause, []);
        }

        var shell = connection.Shell;
        using (connection)
        {
            try
            {
                var report = await HostPreflight.RunAsync(shell, host, inventory.Runtime, options, cancellationToken);
                var lines = report.Checks.Select(c => $"  {(c.Ok ? "ok  " : "FAIL")} {c.Name,-7} {c.Detail}");
                Print($"{host.Address} ({role}, {target}, host key {connection.HostKeyFingerprint}):\n{string.Join('\n', lines)}");
                return new PreflightHostOutput(host.Address, host.Line, role, true, connection.HostKeyFingerprint, null,
                    report.Checks.Select(c => new PreflightCheckOutput(c.Name, c.Ok, c.Detail)).ToList());
            }
            catch (Exception e) when (e is Renci.SshNet.Common.SshException or IOException or System.Net.Sockets.SocketException)
            {
                // The connection dropped mid-probe: this host is reported, the others still finish.
                var cause = $"lost the connection as {target} during the checks: {e.Message}";
                Print($"{host.Address} ({inventory.Source} line {host.Line}): {cause}");
                return new PreflightHostOutput(host.Address, host.Line, role, false, connection.HostKeyFingerprint, cause, []);
            }
        }
    }

    // Hosts finish in any order; each host's block is printed whole.
    private void Print(string text)
    {
        lock (_print)
        {
            _console.Human(text);
        }
    }
}
