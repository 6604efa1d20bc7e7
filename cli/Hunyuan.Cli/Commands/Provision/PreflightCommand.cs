using System.CommandLine;
using Hunyuan.Cluster.Preflight;
using Hunyuan.Cluster.State;

namespace Hunyuan.Cli.Commands.Provision;

/// <summary>
/// `hyc preflight HOSTS.yaml`: step 1 and 2 of `up`, changing nothing on the hosts (<see cref="HostListPreflight"/>).
/// Exit codes: Success, InvalidArguments (the host list, naming file, line and key), FileError, PreflightFailed (some
/// host unreachable or failing a check; each is named).
/// </summary>
internal sealed class PreflightCommand : Command
{
    private static readonly Argument<string> HostsArgument = new("HOSTS_YAML") { Description = "Host list (see examples/hosts/)" };
    private static readonly Option<int> EndpointPortOption = new("--endpoint-port") { Description = "OpenAI endpoint port that must be free on the head", DefaultValueFactory = _ => 8000 };

    private readonly CliConsole _console;

    public PreflightCommand(CliConsole console)
        : base("preflight", "Check every host of a host list over SSH before `up` (changes nothing on them)")
    {
        _console = console;
        Arguments.Add(HostsArgument);
        foreach (var o in new Option[] { RemoteCommandOptions.AcceptNewOption, RemoteCommandOptions.SiloPortOption, RemoteCommandOptions.GatewayPortOption, RemoteCommandOptions.RedisPortOption, RemoteCommandOptions.MetricsPortOption, EndpointPortOption, RemoteCommandOptions.MinDiskOption, RemoteCommandOptions.ConnectTimeoutOption, RemoteCommandOptions.JsonOption })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var path = r.GetRequiredValue(HostsArgument);
        if (RemoteCommandOptions.Read(r, out var ssh) is { } problem)
        {
            return _console.Fail(ExitCodes.InvalidArguments, problem);
        }

        var ports = new PreflightPorts(ssh.Provision.SiloPort, ssh.Provision.GatewayPort, ssh.Provision.RedisPort, r.GetValue(EndpointPortOption), ssh.Provision.MetricsPort);
        var output = await new HostListPreflight(HycHome.Path).RunAsync(path, ssh.AcceptNewHostKeys, ssh.ConnectTimeout, ssh.Provision.MinFreeDiskBytes, ports, ssh.Provision.RedisImage, new ConsoleProgress(_console), cancellationToken);
        if (r.GetValue(RemoteCommandOptions.JsonOption))
        {
            _console.Json(output, CliJsonContext.Default.PreflightOutput);
        }

        if (!output.Ok)
        {
            var bad = output.Hosts.Count(h => !h.Reachable || h.Checks.Any(c => !c.Ok));
            return _console.Fail(ExitCodes.PreflightFailed, $"{bad} of {output.Hosts.Count} host(s) not ready; fix what is named above and run again");
        }

        _console.Human($"all {output.Hosts.Count} host(s) ready; next: hyc up {path}");
        return ExitCodes.Success;
    }
}
