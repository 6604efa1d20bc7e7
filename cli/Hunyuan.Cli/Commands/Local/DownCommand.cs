using System.CommandLine;
using Hunyuan.Cli.Commands.Provision;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.Services;

namespace Hunyuan.Cli.Commands.Local;

/// <summary>
/// `hyc down --local`: stops what `hyc up --local` started (the endpoints first, then the agents, the head last):
/// SIGTERM, then SIGKILL after a grace period. `hyc down HOSTS.yaml [--purge]` stops the agents, Redis and containers
/// `up` started on the hosts; --purge also removes the agent bundles, the cluster's files and the cluster key.
/// Idempotent; prints what it did. Exit codes: Success, InvalidArguments, FileError, ProvisionFailed.
/// </summary>
internal sealed class DownCommand : Command
{
    private static readonly Argument<string?> HostsArgument = new("HOSTS_YAML") { Description = "Host list whose cluster to stop over SSH", Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<bool> LocalOption = new("--local") { Description = "Stop the local cluster" };
    private static readonly Option<bool> PurgeOption = new("--purge") { Description = "Also remove the installed agent, the cluster's files and the cluster key from the hosts" };

    private readonly CliConsole _console;

    public DownCommand(CliConsole console)
        : base("down", "Stop a cluster: --local for the one `hyc up --local` started, or a host list")
    {
        _console = console;
        Arguments.Add(HostsArgument);
        Options.Add(LocalOption);
        Options.Add(PurgeOption);
        RemoteCommandOptions.AddTo(this);
        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var hosts = r.GetValue(HostsArgument);
        if (r.GetValue(LocalOption) == (hosts is not null))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "give either a host list (hyc down hosts.yaml) or --local");
        }

        IClusterRuntime runtime;
        if (hosts is null)
        {
            runtime = ClusterRuntimes.Local(new LocalClusterOptions());
        }
        else if (RemoteCommandOptions.Read(r, out var ssh) is { } problem)
        {
            return _console.Fail(ExitCodes.InvalidArguments, problem);
        }
        else
        {
            runtime = ClusterRuntimes.FromHostList(hosts, ssh);
        }

        var purge = r.GetValue(PurgeOption);
        var report = await ClusterService.CreateDefault().DownAsync(runtime, purge, new ConsoleProgress(_console), cancellationToken);
        return ProvisionRendering.Down(_console, r.GetValue(RemoteCommandOptions.JsonOption), hosts, report, purge);
    }
}
